"""共研一个题 fixtures: the municipal (city) office publishes a 本系统 call; a branch_a teacher applies
with a team member from ``far`` (another system, in the alliance); branch_a's research staff are the
home office; a ``stranger`` and a ``branch_b`` teacher must never see the drafts."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests.factories import member
from tests.factories.faculty import TeacherFactory

from yiwang.calls import services
from yiwang.network.enums import SharingScope
from yiwang.reviews.services import create_rubric

PDF = b"%PDF-1.4 test"


def pdf(name="申报书.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def teacher_user(school, name, **flags):
    user = member(school, is_teacher=True, **flags)
    teacher = TeacherFactory(owner_school=school, name=name, user=user, scope=SharingScope.NETWORK)
    return user, teacher


@pytest.fixture
def people(network):
    office = member(network.city, is_research_staff=True)
    office2 = member(network.city, is_research_staff=True)
    home = member(network.branch_a, is_research_staff=True)
    applicant, principal = teacher_user(network.branch_a, "李明远")
    partner_user, partner_teacher = teacher_user(network.far, "王思齐")
    other_user, other_teacher = teacher_user(network.branch_b, "赵乙区")
    stranger_user, stranger_teacher = teacher_user(network.stranger, "钱无关")
    reviewer_user, reviewer_teacher = teacher_user(network.city, "孙评审")
    return SimpleNamespace(
        office=office,
        office2=office2,
        home=home,
        applicant=applicant,
        principal=principal,
        partner_user=partner_user,
        partner_teacher=partner_teacher,
        other_user=other_user,
        other_teacher=other_teacher,
        stranger_user=stranger_user,
        stranger_teacher=stranger_teacher,
        reviewer_user=reviewer_user,
        reviewer_teacher=reviewer_teacher,
        branch_b_staff=member(network.branch_b, is_research_staff=True),
        stranger_staff=member(network.stranger, is_research_staff=True),
    )


@pytest.fixture
def rubric(network, people):
    return create_rubric(
        by=people.office,
        school=network.city,
        name="课题评审量表",
        purpose="research",
        indicators=[
            {"name": "选题价值", "weight": 40, "min_score": 0, "max_score": 10},
            {"name": "研究设计", "weight": 60, "min_score": 0, "max_score": 10},
        ],
    )


@pytest.fixture
def call(network, people, rubric):
    now = timezone.now()
    c = services.create_call(
        by=people.office,
        school=network.city,
        title="2026年度新型智库课题",
        kind="think_tank",
        year=2026,
        funding_pool=Decimal("10"),
        per_project_cap=Decimal("5"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        required_attachments=["申报书"],
        guide_topics=["超大城市基层治理", "百千万工程"],
        max_applications_per_member=2,
        rubric=rubric,
        scope=SharingScope.SYSTEM,
    )
    return services.publish_call(by=people.office, call=c)


LINES = [{"category": "travel", "amount": "2"}, {"category": "materials", "amount": "1"}]


def draft(call, people, *, title="城中村治理研究", total="3", lines=LINES, members=None):
    return services.create_application(
        by=people.applicant,
        call=call,
        title=title,
        budget_total=total,
        budget_lines=lines,
        members=[people.partner_teacher] if members is None else members,
        guide_topic=call.guide_topics.first(),
        summary="摘要",
    )


def submitted(call, people, **kwargs):
    app = draft(call, people, **kwargs)
    services.attach_file(by=people.applicant, application=app, label="申报书", file=pdf())
    if app.team.filter(confirmed_at__isnull=True).exists():
        services.confirm_membership(by=people.partner_user, application=app)
    return services.submit_application(by=people.applicant, application=app)


def in_review(call, people, **kwargs):
    app = submitted(call, people, **kwargs)
    services.home_review(by=people.home, application=app, approve=True)
    return services.formal_check(by=people.office, application=app, outcome="pass")


@pytest.fixture
def application(call, people):
    return draft(call, people)


def granted_many(call, people, prefix: str, n: int):
    """``n`` granted applications of ``call`` (1 万元 each, titles ``prefix0``…); the last has no team
    member from ``far``. The call admits that many per member."""
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=20)
    granted = []
    for i in range(n):
        app = in_review(call, people, title=f"{prefix}{i}", members=[] if i == n - 1 else None)
        granted.append(services.grant_application(by=people.office, application=app, amount="1"))
    return granted

"""Research services: members across schools, transitions, permissions, endorsements and their verification."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory

from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.network.enums import SharingScope
from yiwang.network.services import set_separation_of_duties
from yiwang.research import services
from yiwang.research.enums import LeaderLevel, MemberRole, ProjectStatus
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def teachers(network):
    return {
        "pi": BankTeacherFactory(owner_school=network.city, name="陈思远"),
        "far": BankTeacherFactory(owner_school=network.far, name="黄立新"),
        "partner": BankTeacherFactory(owner_school=network.partner, name="次仁"),
    }


def project_kwargs(teachers, **over):
    return {
        "title": "超大城市基层治理研究",
        "level": "provincial",
        "category": "consulting",
        "principal_investigator": teachers["pi"],
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 12, 31),
        "members": [(teachers["far"], MemberRole.CORE), (teachers["partner"], MemberRole.MEMBER)],
        "funding": "12.5",
        **over,
    }


def test_create_project_with_members_of_other_schools(network, teachers, research_staff):
    project = services.create_project(by=research_staff, school=network.city, **project_kwargs(teachers))
    assert sorted((m.teacher.name, m.role) for m in project.memberships.all()) == [
        ("次仁", "member"),
        ("陈思远", "principal"),
        ("黄立新", "core"),
    ]
    assert (project.funding, project.status) == (Decimal("12.50"), ProjectStatus.APPLYING)
    assert AuditRecord.objects.get(action="research_project.created").after["members"] == sorted(
        [[teachers["pi"].pk, "principal"], [teachers["far"].pk, "core"], [teachers["partner"].pk, "member"]]
    )


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"title": ""}, "title", "请填写课题名称。"),
        ({"level": "galactic"}, "level", "课题级别只能是国家级、省部级、市厅级、校级之一。"),
        ({"category": "x"}, "category", "课题类别只能是新型智库、党建研究基地、决策咨询、其他之一。"),
        ({"end_date": date(2024, 12, 31)}, "end_date", "结束日期不能早于开始日期。"),
        ({"start_date": date(1900, 1, 1)}, "start_date", "开始日期应在 1949-10-01 到 2100-12-31 之间。"),
        ({"funding": "-1"}, "funding", "经费（万元）应在 0 到 99999999.99 之间。"),
        ({"funding": "1.234"}, "funding", "经费（万元）最多保留两位小数。"),
        ({"funding": "很多"}, "funding", "经费（万元）应为数字，例如 5 或 12.5。"),
        ({"funding": "NaN"}, "funding", "经费（万元）应在 0 到 99999999.99 之间。"),
        ({"principal_investigator": None}, "principal_investigator", "请选择课题负责人。"),
        ({"members": [(999999, "core")]}, "members", "找不到编号为 999999 的课题成员，或该教师已停用。"),
        ({"members": [(1, "boss")]}, "members", "成员角色只能是负责人、核心成员、成员之一。"),
        ({"status": "done"}, "status", "课题状态只能是申报、立项、在研、结项、终止之一。"),
    ],
)
def test_bad_project_input_refused_and_nothing_written(
    network, teachers, research_staff, over, field, message
):
    with pytest.raises(DomainError) as exc:
        services.create_project(by=research_staff, school=network.city, **project_kwargs(teachers, **over))
    assert (exc.value.field, exc.value.message) == (field, message)
    assert ResearchProject.objects.count() == 0


def test_only_research_staff_and_admins_write_research(network, teachers):
    for user in (
        member(network.city, is_teaching_staff=True),
        member(network.city, is_teacher=True),
        member(network.far, is_research_staff=True),
    ):
        with pytest.raises(PermissionDeniedError) as exc:
            services.create_project(by=user, school=network.city, **project_kwargs(teachers))
        assert exc.value.message == "只有中共测试市委党校的管理员或科研人员可以登记科研课题。"
    admin = member(network.city, is_school_admin=True)
    assert services.create_project(by=admin, school=network.city, **project_kwargs(teachers)).pk
    assert ResearchProject.objects.count() == 1


def test_hidden_teacher_cannot_be_member(network, teachers, research_staff):
    hidden = BankTeacherFactory(owner_school=network.stranger, scope=SharingScope.SCHOOL)
    with pytest.raises(DomainError, match=f"找不到编号为 {hidden.pk} 的课题成员"):
        services.create_project(
            by=research_staff, school=network.city, **project_kwargs(teachers, members=[(hidden, "member")])
        )


def test_project_status_path_and_refusals(network, teachers, research_staff):
    project = services.create_project(by=research_staff, school=network.city, **project_kwargs(teachers))
    for to in (ProjectStatus.APPROVED, ProjectStatus.ONGOING, ProjectStatus.CONCLUDED):
        project = services.change_project_status(by=research_staff, project=project, to=to)
    assert project.status == ProjectStatus.CONCLUDED
    with pytest.raises(ConflictError) as exc:
        services.terminate_project(by=research_staff, project=project)
    assert exc.value.message == "课题当前为“结项”，不能改为“终止”。"
    other = ProjectFactory(owner_school=network.city, status=ProjectStatus.APPLYING)
    with pytest.raises(ConflictError, match="课题当前为“申报”，不能改为“结项”。"):
        services.change_project_status(by=research_staff, project=other, to=ProjectStatus.CONCLUDED)
    assert services.terminate_project(by=research_staff, project=other).status == ProjectStatus.TERMINATED
    with pytest.raises(ConflictError):
        services.change_project_status(by=research_staff, project=other, to=ProjectStatus.APPROVED)


def test_update_project_members_and_sharing(network, teachers, research_staff):
    project = services.create_project(by=research_staff, school=network.city, **project_kwargs(teachers))
    project = services.update_project(
        by=research_staff,
        project=project,
        principal_investigator=teachers["far"],
        members=[(teachers["pi"], "core")],
        scope=SharingScope.PARTNERS,
        partnerships=[network.partnership],
        funding="20",
    )
    assert sorted((m.teacher.name, m.role) for m in project.memberships.all()) == [
        ("陈思远", "core"),
        ("黄立新", "principal"),
    ]
    assert (project.principal_investigator, project.funding) == (teachers["far"], Decimal("20.00"))
    assert list(project.shared_partnerships.all()) == [network.partnership]
    with pytest.raises(DomainError, match="结束日期不能早于开始日期。"):
        services.update_project(by=research_staff, project=project, end_date=date(2024, 1, 1))
    project.refresh_from_db()
    assert project.end_date == date(2025, 12, 31)


def test_output_needs_authors_and_own_project(network, teachers, research_staff):
    foreign = ProjectFactory(owner_school=network.far, scope=SharingScope.NETWORK)
    base = {"kind": "advisory", "title": "关于城中村改造的建议", "published_on": date(2025, 3, 1)}
    with pytest.raises(DomainError, match="请选择作者或填写其他作者。"):
        services.create_output(by=research_staff, school=network.city, **base)
    with pytest.raises(DomainError, match="所属课题不存在，或不是本校牵头的课题。"):
        services.create_output(
            by=research_staff, school=network.city, authors=[teachers["pi"]], project=foreign, **base
        )
    assert ResearchOutput.objects.count() == 0
    output = services.create_output(
        by=research_staff, school=network.city, authors=[teachers["pi"], teachers["far"]], **base
    )
    assert sorted(output.authors.values_list("name", flat=True)) == ["陈思远", "黄立新"]


def test_endorsement_pending_until_verified(network, research_staff):
    output = OutputFactory(owner_school=network.city, published_on=date(2025, 1, 10))
    endorsement = services.add_endorsement(
        by=research_staff,
        output=output,
        leader_level=LeaderLevel.PROVINCIAL,
        endorsed_on=date(2025, 2, 1),
        summary="请有关部门研究吸收。",
    )
    assert (endorsement.verified_at, endorsement.added_by) == (None, research_staff)
    verifier = member(network.city, is_research_staff=True)
    endorsement = services.verify_endorsement(by=verifier, endorsement=endorsement)
    assert endorsement.verified_by == verifier
    assert abs(endorsement.verified_at - timezone.now()) < timedelta(seconds=10)
    with pytest.raises(ConflictError, match="该批示已核实。"):
        services.verify_endorsement(by=verifier, endorsement=endorsement)
    with pytest.raises(ConflictError, match="已核实的批示不能删除。"):
        services.remove_endorsement(by=research_staff, endorsement=endorsement)
    assert list(
        AuditRecord.objects.filter(action__startswith="endorsement.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["endorsement.added", "endorsement.verified"]


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        (
            {"leader_level": "emperor"},
            "leader_level",
            "批示领导级别只能是国家级、省部级、市厅级、县处级之一。",
        ),
        ({"endorsed_on": date(2024, 12, 31)}, "endorsed_on", "批示日期不能早于成果日期（2025-01-10）。"),
        ({"endorsed_on": date(2100, 1, 1)}, "endorsed_on", "批示日期不能晚于今天。"),
        ({"summary": "批" * 2001}, "summary", "批示内容摘要最多 2000 个字，现有 2001 个字。"),
    ],
)
def test_bad_endorsement_refused(network, research_staff, kwargs, field, message):
    output = OutputFactory(owner_school=network.city, published_on=date(2025, 1, 10))
    data = {"leader_level": LeaderLevel.MUNICIPAL, "endorsed_on": date(2025, 3, 1), **kwargs}
    with pytest.raises(DomainError) as exc:
        services.add_endorsement(by=research_staff, output=output, **data)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert Endorsement.objects.count() == 0


def test_other_school_cannot_add_or_verify_endorsements(network, research_staff):
    output = OutputFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    outsider = member(network.branch_a, is_research_staff=True)
    with pytest.raises(PermissionDeniedError, match="只有中共测试市委党校的管理员或科研人员可以登记批示。"):
        services.add_endorsement(
            by=outsider, output=output, leader_level="county", endorsed_on=date(2024, 8, 1)
        )
    endorsement = services.add_endorsement(
        by=research_staff, output=output, leader_level="county", endorsed_on=date(2024, 8, 1)
    )
    with pytest.raises(PermissionDeniedError, match="可以核实批示"):
        services.verify_endorsement(by=outsider, endorsement=endorsement)
    endorsement.refresh_from_db()
    assert endorsement.verified_at is None


def test_who_registers_an_endorsement_cannot_verify_it(network, research_staff):
    output = OutputFactory(owner_school=network.city, published_on=date(2025, 1, 10))
    endorsement = services.add_endorsement(
        by=research_staff, output=output, leader_level=LeaderLevel.MUNICIPAL, endorsed_on=date(2025, 2, 1)
    )
    with pytest.raises(PermissionDeniedError) as exc:
        services.verify_endorsement(by=research_staff, endorsement=endorsement)
    assert exc.value.message == "批示由您登记，须由本校其他科研人员核实（登记与审核分离）。"
    endorsement.refresh_from_db()
    assert endorsement.verified_at is None
    admin = member(network.city, is_school_admin=True)
    set_separation_of_duties(by=admin, school=network.city, enabled=False)
    endorsement.output.owner_school.refresh_from_db()
    endorsement = services.verify_endorsement(by=research_staff, endorsement=endorsement)
    assert endorsement.verified_by == research_staff


def test_output_retire_and_restore_once_each(network):
    staff = member(network.city, is_research_staff=True)
    output = OutputFactory(owner_school=network.city)
    services.set_output_active(by=staff, output=output, active=False)
    with pytest.raises(ConflictError) as exc:
        services.set_output_active(by=staff, output=output, active=False)
    assert exc.value.message == "该成果已停用。"
    services.set_output_active(by=staff, output=output, active=True)
    with pytest.raises(ConflictError) as exc:
        services.set_output_active(by=staff, output=output, active=True)
    assert exc.value.message == "该成果已是启用状态。"
    records = AuditRecord.objects.filter(object_id=str(output.pk), action__startswith="research_output.")
    assert [(r.action, r.before, r.after) for r in records.order_by("id")] == [
        ("research_output.retired", {"is_active": True}, {"is_active": False}),
        ("research_output.restored", {"is_active": False}, {"is_active": True}),
    ]
    assert ResearchOutput.objects.get(pk=output.pk).is_active is True


def test_project_steps_offered_in_order():
    assert [(s.target, s.label) for s in services.PROJECT_STEPS.allowed_from(ProjectStatus.APPLYING)] == [
        ("approved", "批准立项"),
        ("terminated", "终止"),
    ]
    assert services.PROJECT_STEPS.allowed_from(ProjectStatus.CONCLUDED) == []
    assert services.PROJECT_STEPS.allowed_from(ProjectStatus.TERMINATED) == []

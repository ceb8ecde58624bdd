"""The 共研一个题 counts (the counts API and the boards' numbers) read the concluded projects
through a filtered join and the call projects' reports by the application's project column; they
must equal the plain readings — for the office, the home school, the team, a teacher elsewhere."""

from datetime import date

import pytest
from tests.calls.conftest import granted_many, in_review
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.calls import selectors
from yiwang.calls.enums import ApplicationStatus
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind, ProjectStatus
from yiwang.research.models import Endorsement, ResearchProject
from yiwang.research.selectors import outputs_visible_to

pytestmark = pytest.mark.django_db


def _plain(viewer):
    apps = selectors.applications_visible_to(viewer).exclude(status=ApplicationStatus.DRAFT)
    reports = outputs_visible_to(viewer, kind=OutputKind.ADVISORY).filter(
        project__call_application__isnull=False
    )
    return {
        "applications": apps.count(),
        "granted": apps.filter(status=ApplicationStatus.GRANTED).count(),
        "concluded": apps.filter(
            status=ApplicationStatus.GRANTED, project__status=ProjectStatus.CONCLUDED
        ).count(),
        "reports": reports.count(),
        "endorsements": Endorsement.objects.filter(output__in=reports, verified_at__isnull=False).count(),
    }


def test_counts_equal_the_plain_readings(call, people, network):
    granted = granted_many(call, people, "计数课题", 4)
    in_review(call, people, title="评审中课题")
    ResearchProject.objects.filter(pk__in=[granted[0].project_id, granted[3].project_id]).update(
        status=ProjectStatus.CONCLUDED
    )
    ResearchProject.objects.filter(pk=granted[1].project_id).update(status=ProjectStatus.TERMINATED)
    for n, app in enumerate(granted[:3]):
        report = OutputFactory(
            owner_school=network.branch_a,
            project_id=app.project_id,
            scope=SharingScope.NETWORK,
            published_on=date(2026, 3, 1),
        )
        endorsement(report, verified=n != 1)
    # a report of a project that is not a call's, and one without a project: never counted
    other = ProjectFactory(owner_school=network.branch_a, scope=SharingScope.NETWORK)
    endorsement(OutputFactory(owner_school=network.branch_a, project=other, scope=SharingScope.NETWORK))
    OutputFactory(owner_school=network.branch_a, scope=SharingScope.NETWORK)
    viewers = [people.office, people.home, people.applicant, people.partner_user, people.other_user]
    for viewer in viewers:
        counts = selectors.calls_counts(viewer)
        plain = _plain(viewer)
        rate = round(plain["concluded"] * 100 / plain["granted"], 1) if plain["granted"] else 0
        assert float(counts["concluded_rate"]) == rate, viewer.username
        for key in ("applications", "granted", "reports", "endorsements"):
            assert counts[key] == plain[key], (viewer.username, key)
    office = selectors.calls_counts(people.office)
    assert (office["granted"], office["concluded_rate"], office["reports"], office["endorsements"]) == (
        4,
        50,
        3,
        2,
    )


def test_counts_of_research_staff_on_a_team_elsewhere(call, people, network):
    """Research staff of a school that is neither the home nor the issuing school of an application
    see it through its team alone: the offices' part and the team's part of the counts never count
    a row twice nor miss one (``selectors._submitted_application_parts``)."""
    from tests.calls.conftest import teacher_user

    from yiwang.calls.enums import TeamRole
    from yiwang.calls.models import TeamMember

    granted = granted_many(call, people, "交叉课题", 3)
    in_review(call, people, title="评审中交叉课题")
    ResearchProject.objects.filter(pk=granted[0].project_id).update(status=ProjectStatus.CONCLUDED)
    staff_user, staff_teacher = teacher_user(network.branch_b, "周双职", is_research_staff=True)
    for app in granted[:2]:
        TeamMember.objects.create(application=app, call=app.call, teacher=staff_teacher, role=TeamRole.MEMBER)
    # and one application of the staff member's own school, so both parts have rows
    own = in_review(call, people, title="本校课题")
    own.__class__.objects.filter(pk=own.pk).update(home_school=network.branch_b)
    TeamMember.objects.create(application=own, call=own.call, teacher=staff_teacher, role=TeamRole.MEMBER)
    parts = selectors._submitted_application_parts(staff_user)
    assert [p.count() for p in parts] == [1, 2]
    for viewer in (staff_user, people.office, people.home, people.other_user):
        counts = selectors.calls_counts(viewer)
        plain = _plain(viewer)
        for key in ("applications", "granted", "reports", "endorsements"):
            assert counts[key] == plain[key], (viewer.username, key)
    counts = selectors.calls_counts(staff_user)
    assert (counts["applications"], counts["granted"], counts["concluded_rate"]) == (3, 2, 50)

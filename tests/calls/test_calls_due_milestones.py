"""The due and overdue milestone lists (``projects_due``, ``overdue_and_due_soon``) read the open
milestones in two steps and in chunks; they must give exactly what the one-statement reading of the
application rule gives — for every kind of viewer, with closed milestones, projects that no longer
run, drafts and applications not granted around, whatever the chunk size."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from tests.calls.conftest import draft, granted_many, submitted

from yiwang.calls import selectors
from yiwang.calls.enums import ApplicationStatus, MilestoneStatus
from yiwang.calls.models import Application, Milestone
from yiwang.research.enums import ProjectStatus
from yiwang.research.models import ResearchProject

pytestmark = pytest.mark.django_db


def _reference(viewer, today, *, since=None, until):
    """The lists' meaning, in one statement: open milestones of running projects of the granted
    applications ``applications_q`` lets the viewer see, due in [since, until], oldest due first."""
    apps = Application.objects.filter(selectors.applications_q(viewer), status=ApplicationStatus.GRANTED)
    qs = Milestone.objects.filter(
        application__in=apps.values("pk"),
        application__project__status__in=[ProjectStatus.APPROVED, ProjectStatus.ONGOING],
        status__in=[MilestoneStatus.PENDING, MilestoneStatus.REVISE],
        due_on__lte=until,
    )
    if since is not None:
        qs = qs.filter(due_on__gte=since)
    return list(qs.order_by("due_on", "id").values_list("pk", flat=True))


@pytest.fixture
def projects(call, people):
    """Five granted applications (one with the home school's teacher alone on the team), their
    fifteen milestones spread over past, near and far due dates; one project concluded, one
    terminated; some milestones submitted or passed, one to revise; a draft and a submitted
    application beside them."""
    today = timezone.localdate()
    granted = granted_many(call, people, "课题", 5)
    offsets = iter([-30, -30, -9, -3, -1, 0, 0, 2, 13, 14, -15, 40, -20, -5, 5])
    for milestone in Milestone.objects.order_by("application_id", "kind"):
        Milestone.objects.filter(pk=milestone.pk).update(due_on=today + timedelta(days=next(offsets)))
    ResearchProject.objects.filter(pk=granted[0].project_id).update(status=ProjectStatus.ONGOING)
    ResearchProject.objects.filter(pk=granted[1].project_id).update(status=ProjectStatus.CONCLUDED)
    ResearchProject.objects.filter(pk=granted[2].project_id).update(status=ProjectStatus.TERMINATED)
    milestones = list(Milestone.objects.filter(application=granted[3]).order_by("kind"))
    Milestone.objects.filter(pk=milestones[0].pk).update(status=MilestoneStatus.SUBMITTED)
    Milestone.objects.filter(pk=milestones[1].pk).update(status=MilestoneStatus.REVISE)
    Milestone.objects.filter(application=granted[4], due_on__lt=today).update(status=MilestoneStatus.PASSED)
    draft(call, people, title="草稿课题")
    submitted(call, people, title="已提交课题")
    return granted


def _viewers(people):
    return {
        "issuing office": people.office,
        "second office staff": people.office2,
        "home school staff": people.home,
        "applicant": people.applicant,
        "team member elsewhere": people.partner_user,
        "other district teacher": people.other_user,
        "other district staff": people.branch_b_staff,
        "stranger staff": people.stranger_staff,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("chunk", [2, 3, selectors.MILESTONE_CHUNK])
def test_due_and_overdue_lists_equal_the_one_statement_reading(projects, people, monkeypatch, chunk):
    monkeypatch.setattr(selectors, "MILESTONE_CHUNK", chunk)
    today = timezone.localdate()
    soon = today + timedelta(days=selectors.DUE_SOON_DAYS)
    seen_any = False
    for name, viewer in _viewers(people).items():
        due = _reference(viewer, today, until=soon)
        overdue = _reference(viewer, today, until=today - timedelta(days=1))
        upcoming = _reference(viewer, today, since=today, until=soon)
        assert [m.pk for m in selectors.projects_due(viewer, today=today, limit=100)] == due, name
        assert [m.pk for m in selectors.projects_due(viewer, today=today, limit=3)] == due[:3], name
        for number in (1, 2, 3):
            page, listed = selectors.overdue_and_due_soon(viewer, number, per_page=2, today=today)
            assert (page.count, page.count_capped) == (len(overdue), False), name
            expected_number = min(number, max(1, -(-len(overdue) // 2)))
            start = (expected_number - 1) * 2
            assert [m.pk for m in page.items] == overdue[start : start + 2], (name, number)
            assert page.has_next == (len(overdue) > start + 2), (name, number)
            assert [m.pk for m in listed] == upcoming, name
        seen_any = seen_any or bool(overdue)
    assert seen_any


def test_the_lists_hold_what_each_viewer_should_see(projects, people):
    today = timezone.localdate()
    office = selectors.projects_due(people.office, today=today, limit=100)
    # running: 0 (ongoing; all three open), 3 (its overdue one to revise), 4 (its one due in 5 days)
    titles = {m.application.title for m in office}
    assert titles == {"课题0", "课题3", "课题4"}
    assert all(m.status in ("pending", "revise") for m in office)
    assert all(m.due_on <= today + timedelta(days=14) for m in office)
    assert selectors.projects_due(people.stranger_staff, today=today, limit=100) == []
    assert selectors.projects_due(people.other_user, today=today, limit=100) == []
    assert selectors.projects_due(AnonymousUser(), today=today, limit=100) == []
    team = {m.application.title for m in selectors.projects_due(people.partner_user, today=today, limit=100)}
    assert team == {"课题0", "课题3"}  # 课题4 has no team member from far


@pytest.mark.parametrize("chunk", [2, selectors.MILESTONE_CHUNK])
def test_overdue_count_is_capped(projects, people, monkeypatch, chunk):
    monkeypatch.setattr(selectors, "OVERDUE_COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "MILESTONE_CHUNK", chunk)
    today = timezone.localdate()
    overdue = _reference(people.office, today, until=today - timedelta(days=1))
    assert len(overdue) > 2
    upcoming = _reference(people.office, today, since=today, until=today + timedelta(days=14))
    assert upcoming
    page, listed = selectors.overdue_and_due_soon(people.office, 1, per_page=1, today=today)
    assert (page.count, page.count_capped, [m.pk for m in page.items]) == (2, True, overdue[:1])
    assert [m.pk for m in listed] == upcoming  # read by a second walk past the capped overdue ones
    page, _ = selectors.overdue_and_due_soon(people.office, 3, per_page=1, today=today)
    assert [m.pk for m in page.items] == overdue[2:3]


def test_overdue_page_shows_the_overdue_and_the_next_two_weeks_apart(projects, people, client_for):
    today = timezone.localdate()
    html = client_for(people.office).get("/calls/overdue/").content.decode()
    overdue = _reference(people.office, today, until=today - timedelta(days=1))
    assert f"已逾期（{len(overdue)}）" in html
    due_table = html.split('id="due-table"')[1]
    for milestone in Milestone.objects.filter(pk__in=overdue):
        assert milestone.due_on.isoformat() not in due_table

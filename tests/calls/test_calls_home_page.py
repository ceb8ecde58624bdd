"""The 共研一个题 page reads only the columns it shows (``selectors.home_page``): its lists are
exactly the selectors' own lists, every shown value is on the page, and no deferred column is
fetched row by row (the statements do not grow with the rows)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.calls.conftest import draft, granted_many, pdf, submitted

from yiwang.calls import selectors, services
from yiwang.calls.models import Milestone
from yiwang.research.enums import ProjectStatus
from yiwang.research.models import ResearchProject

pytestmark = pytest.mark.django_db


def _fill(call, people, prefix: str, n: int) -> None:
    """``n`` granted projects with milestones due this week, ``n`` applications waiting for the
    home school, ``n`` waiting for the formal check and ``n`` drafts the partner has to confirm."""
    from yiwang.calls.models import ResearchCall

    today = timezone.localdate()
    granted = granted_many(call, people, f"{prefix}立项", n)
    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=100)
    for app in granted:
        ResearchProject.objects.filter(pk=app.project_id).update(status=ProjectStatus.ONGOING)
        Milestone.objects.filter(application=app).update(due_on=today + timedelta(days=3))
    for i in range(n):
        submitted(call, people, title=f"{prefix}待审{i}")
        checking = draft(call, people, title=f"{prefix}待查{i}", members=[])
        services.attach_file(by=people.applicant, application=checking, label="申报书", file=pdf())
        services.submit_application(by=people.applicant, application=checking)
        services.home_review(by=people.home, application=checking, approve=True)
        draft(call, people, title=f"{prefix}草稿{i}")


def _pks(rows):
    return [row.pk for row in rows]


def test_the_page_lists_are_the_selectors_lists(call, people, client_for):
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=40)
    _fill(call, people, "甲", 3)
    for viewer in (people.office, people.home, people.applicant, people.partner_user, people.other_user):
        page = selectors.home_page(viewer)
        assert _pks(page["open_calls"]) == _pks(selectors.open_calls(viewer)[:20])
        assert _pks(page["my_applications"]) == _pks(selectors.my_applications(viewer)[:20])
        assert _pks(page["confirmations"]) == _pks(selectors.pending_confirmations(viewer)[:20])
        assert _pks(page["my_reviews"]) == _pks(selectors.my_review_sheets(viewer)[:20])
        assert _pks(page["due"]) == _pks(selectors.projects_due(viewer, limit=20))
        assert _pks(page["home_queue"]) == (
            _pks(selectors.home_queue(viewer)[:20]) if page["can_publish"] else []
        )
        assert _pks(page["office_queue"]) == (
            _pks(selectors.office_queue(viewer)[:20]) if page["can_publish"] else []
        )
    office = selectors.home_page(people.office)
    assert len(office["office_queue"]) == 3 and len(office["due"]) == 9
    assert len(selectors.home_page(people.home)["home_queue"]) == 3
    assert len(selectors.home_page(people.partner_user)["confirmations"]) == 3


def test_the_page_shows_every_list_and_its_statements_do_not_grow(
    call, people, client_for, django_assert_num_queries, django_assert_max_num_queries
):
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=40)
    _fill(call, people, "甲", 2)  # two: the last granted project has no partner on its team
    viewers = (people.office, people.home, people.partner_user)
    counts = {}
    for viewer in viewers:
        client = client_for(viewer)
        client.get("/calls/")
        with django_assert_max_num_queries(40) as captured:
            client.get("/calls/")
        counts[viewer.pk] = len(captured.captured_queries)
    _fill(call, people, "乙", 4)
    office_page = client_for(people.office).get("/calls/").content.decode()
    for text in ("乙立项3", "乙待查3", call.title, "待形式审查", "近期到期的课题节点"):
        assert text in office_page, text
    assert people.applicant.memberships.first().school.short_name in office_page  # the queue's home school
    home_page = client_for(people.home).get("/calls/").content.decode()
    assert "乙待审3" in home_page and f"（{call.title}）" in home_page
    partner_page = client_for(people.partner_user).get("/calls/").content.decode()
    assert "乙草稿3" in partner_page and "待我确认的课题组" in partner_page
    for viewer in viewers:
        client = client_for(viewer)
        with django_assert_num_queries(counts[viewer.pk]):
            client.get("/calls/")

"""师资互派 on the network calendar and in the personal iCal feed (classes' calendar sources), with
the dispatch list's visibility; the matching page's "请求派遣此教师" action; the dispatch list's
copied school ids."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import member
from tests.factories.classes import at
from tests.search.conftest import build_corpus

from yiwang.classes import services as class_services
from yiwang.classes.calendar_sources import calendar_entries
from yiwang.classes.selectors import calendar_grid
from yiwang.exchanges import selectors
from yiwang.exchanges.models import Dispatch
from yiwang.exchanges.services import dispatches
from yiwang.search.services import rebuild_index


def _ask(by, teacher, klass, day, start=9, end=12, submit=True):
    return dispatches.open_dispatch(
        by=by,
        from_school=klass.owner_school,
        to_school=teacher.owner_school,
        teacher=teacher,
        topic_title="新时代党的建设总要求",
        starts_at=at(day, start),
        ends_at=at(day, end),
        training_class=klass,
        place="甲区党校报告厅",
        submit=submit,
    )


def _feed(client_for, user, day):
    _, key = class_services.create_calendar_token(by=user, kind="person")
    return client_for(user).get(f"/classes/ical/{key}.ics").content.decode()


@pytest.fixture
def accepted(net, far_staff, city_staff, city_teacher, far_class, day):
    """远方 asks the city school for 林志远 in its class (not shared with the city school)."""
    dispatch = _ask(far_staff, city_teacher, far_class, day)
    return dispatches.accept_dispatch(by=city_staff, dispatch=dispatch)


def test_the_dispatch_copies_its_schools_and_is_sent_when_submitted(
    net, branch_staff, city_staff, city_teacher, branch_class, day
):
    draft = _ask(branch_staff, city_teacher, branch_class, day, submit=False)
    row = Dispatch.objects.get(pk=draft.pk)
    assert (row.from_school_id, row.to_school_id, row.is_sent) == (net.branch_a.pk, net.city.pk, False)
    # a draft is the sender's only
    assert list(selectors.dispatches_visible_to(city_staff)) == []
    assert list(selectors.dispatches_visible_to(city_teacher.user)) == []
    assert list(selectors.dispatches_visible_to(branch_staff)) == [row]
    dispatches.submit_request(by=branch_staff, request=row.request)
    row.refresh_from_db()
    assert row.is_sent is True
    assert list(selectors.dispatches_visible_to(city_staff)) == [row]
    assert list(selectors.dispatches_visible_to(city_teacher.user)) == [row]


def test_an_accepted_dispatch_is_on_the_calendar_of_both_schools_and_the_teacher(
    net, accepted, branch_staff, city_staff, city_teacher, stranger_staff, day
):
    uid = f"dispatch-{accepted.pk}"
    # the teacher's school sees the dispatch (the class of the other school is not shared with it)
    entries = calendar_entries(city_staff, day, day)
    assert [(e.uid, e.kind, e.place) for e in entries] == [(uid, "师资互派", "甲区党校报告厅")]
    assert entries[0].title == "林志远：新时代党的建设总要求（测试市 → 远方）"
    assert entries[0].url == f"/exchanges/dispatches/{accepted.pk}/"
    assert [e.uid for e in calendar_entries(city_teacher.user, day, day)] == [uid]
    # another school never sees it (not even the teacher school's own branch)
    assert calendar_entries(branch_staff, day, day) == []
    assert calendar_entries(stranger_staff, day, day) == []
    # outside the window: nothing
    assert calendar_entries(city_staff, day + timedelta(days=1), day + timedelta(days=3)) == []
    # on the week grid, in the day's cell
    cell = next(d for d in calendar_grid(city_staff, "week", day).days if d["date"] == day)
    assert [e.uid for e in cell["entries"]] == [uid]
    cell = next(d for d in calendar_grid(stranger_staff, "week", day).days if d["date"] == day)
    assert cell["entries"] == []


def test_the_requesting_school_sees_the_session_once(net, accepted, far_staff, day):
    """The requesting school sees the session itself on the grid, so not the dispatch entry too."""
    cell = next(d for d in calendar_grid(far_staff, "week", day).days if d["date"] == day)
    assert [s.pk for s in cell["items"]] == [accepted.session_id]
    assert cell["entries"] == []
    # without the session shown (the list of entries alone), the dispatch is there
    assert [e.uid for e in calendar_entries(far_staff, day, day)] == [f"dispatch-{accepted.pk}"]


def test_calendar_pages_and_ical_show_dispatches_only_to_those_involved(
    net, accepted, city_staff, city_teacher, stranger_staff, client_for, day
):
    page = client_for(city_staff).get("/classes/", {"view": "week", "date": day.isoformat()})
    assert f'data-entry="dispatch-{accepted.pk}"' in page.content.decode()
    listing = client_for(city_staff).get("/classes/", {"view": "list", "date": day.isoformat()})
    assert f'data-entry="dispatch-{accepted.pk}"' in listing.content.decode()
    other = client_for(stranger_staff).get("/classes/", {"view": "week", "date": day.isoformat()})
    assert "dispatch-" not in other.content.decode()
    feed = _feed(client_for, city_teacher.user, day)
    assert f"UID:dispatch-{accepted.pk}@" in feed
    assert "SUMMARY:师资互派：林志远：新时代党的建设总要求" in feed
    assert "dispatch-" not in _feed(client_for, stranger_staff, day)


def test_the_calendar_query_count_does_not_grow_with_dispatches(
    net, far_staff, city_staff, city_teacher, far_class, day, django_assert_max_num_queries, client_for
):
    client = client_for(city_staff)
    url = "/classes/"
    params = {"view": "month", "date": day.isoformat()}
    first = _ask(far_staff, city_teacher, far_class, day, 8, 9)
    dispatches.accept_dispatch(by=city_staff, dispatch=first)
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for hour in (10, 13, 15):
        d = _ask(far_staff, city_teacher, far_class, day, hour, hour + 1)
        dispatches.accept_dispatch(by=city_staff, dispatch=d)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url, params).content.decode()
    assert html.count('data-entry="dispatch-') == 4


def test_match_results_offer_a_dispatch_to_staff_of_another_school(net, client_for):
    corpus = build_corpus(net)
    rebuild_index()
    need = {"need": "为中青班讲授乡村振兴与基层治理专题"}
    staff = member(net.branch_a, is_training_staff=True)
    html = client_for(staff).get("/search/match/", need).content.decode()
    link = f"/exchanges/dispatches/new/?teacher={corpus.zhang.pk}&amp;topic="
    assert link in html
    # the teacher's own school does not ask itself; a plain teacher sends no requests
    own = client_for(member(net.city, is_training_staff=True)).get("/search/match/", need).content.decode()
    assert "张宏伟" in own and link not in own
    plain = client_for(member(net.branch_a, is_teacher=True)).get("/search/match/", need).content.decode()
    assert "张宏伟" in plain and "请求派遣此教师" not in plain
    # the form opens with the teacher and the need as the topic, and links back to the matching page
    form = client_for(staff).get(
        "/exchanges/dispatches/new/", {"teacher": corpus.zhang.pk, "topic": need["need"]}
    )
    body = form.content.decode()
    assert form.status_code == 200
    assert f'<option value="{corpus.zhang.pk}" selected>' in body
    assert 'value="为中青班讲授乡村振兴与基层治理专题"' in body
    assert 'href="/search/match/"' in body

"""The alliance page reads each of its parts once: the chair from one read of the terms, the
resolutions with their overdue count in one query, the meetings with their resolution counts, the
shared items of every bank in one query; and the agreement list's 登记协议 button without reading
every group. Each is checked against the plain reading it replaced, and the page's queries are capped."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from tests.factories import member

from yiwang.alliances import selectors, services
from yiwang.alliances.models import ChairTerm, Resolution
from yiwang.alliances.selectors import SHARED_LIMIT
from yiwang.network.enums import SharingScope
from yiwang.network.rules import staff_school_ids
from yiwang.sites import services as site_services

pytestmark = pytest.mark.django_db


def _term(space, school, start, days):
    return ChairTerm.objects.create(
        space=space, school=school, starts_on=start, ends_on=start + timedelta(days)
    )


def test_chair_terms_of_matches_the_current_chair(space, network):
    today = timezone.localdate()
    assert selectors.chair_terms_of(space) == (None, [])
    past = _term(space, network.city, today - timedelta(days=400), 100)
    assert selectors.chair_terms_of(space) == (None, [past])
    now = _term(space, network.far, today - timedelta(days=10), 30)
    chair, terms = selectors.chair_terms_of(space)
    assert chair == now == selectors.current_chair(space) and terms == [now, past]
    # more future terms than the page lists: the current one is found all the same
    future = [_term(space, network.city, today + timedelta(days=40 * n), 30) for n in range(1, 8)]
    chair, terms = selectors.chair_terms_of(space)
    assert chair == now and terms == future[::-1][:6]
    ChairTerm.objects.filter(pk=now.pk).delete()
    assert selectors.chair_terms_of(space)[0] is None is selectors.current_chair(space)


def test_resolutions_come_with_their_overdue_count(space, meeting, lead, far_staff, network):
    today = timezone.localdate()
    assert selectors.resolutions_with_overdue_count(far_staff, space) == ([], 0)
    for n, due in enumerate([-3, -2, 30]):
        r = services.add_resolution(
            by=lead, meeting=meeting, text=f"事项{n}", owner_school=network.far, due_on=today + timedelta(30)
        )
        Resolution.objects.filter(pk=r.pk).update(due_on=today + timedelta(days=due))
    services.complete_resolution(by=far_staff, resolution=Resolution.objects.get(text="事项1"))
    rows, overdue = selectors.resolutions_with_overdue_count(far_staff, space)
    plain = list(selectors.resolutions_visible_to(far_staff, space=space)[:50])
    assert [r.pk for r in rows] == [r.pk for r in plain]
    assert [r.is_overdue for r in rows] == [r.is_overdue for r in plain]
    assert overdue == selectors.resolutions_visible_to(far_staff, space=space, overdue=True).count() == 1
    assert selectors.resolutions_with_overdue_count(far_staff, space, limit=1)[1] == 1


def _shared_sites(network, n):
    sites = []
    for i in range(n):
        site = site_services.create_site(
            by=None,
            school=network.city if i % 2 else network.far,
            name=f"共享基地{i}",
            address="某地",
            capacity=30,
            opens_at=time(8),
            closes_at=time(18),
            scope=SharingScope.PARTNERS,
            alliances=[network.alliance],
        )
        sites.append(site)
    return sites


def test_shared_items_in_one_query_as_per_bank(
    space, network, far_staff, outsider, django_assert_num_queries
):
    sites = _shared_sites(network, SHARED_LIMIT + 1)
    shared = selectors.shared_items(far_staff, space)
    by_bank = {bank["bank"]: bank for bank in shared}
    assert [b["bank"] for b in shared] == ["师资库", "讲题库", "课程库", "科研信息库", "班次", "现场教学基地"]
    listed = by_bank["现场教学基地"]
    assert [i["title"] for i in listed["items"]] == [s.name for s in sites[::-1][:SHARED_LIMIT]]
    assert listed["more"] is True and listed["items"][0]["school"] == network.far.short_name
    assert all(not b["items"] and not b["more"] for label, b in by_bank.items() if label != "现场教学基地")
    with django_assert_num_queries(1):  # the one union (the viewer's own teacher was read above)
        selectors.shared_items(far_staff, space)


def test_space_page_shows_every_part_in_few_queries(
    client_for, space, meeting, network, lead, far_staff, django_assert_max_num_queries
):
    today = timezone.localdate()
    late = services.add_resolution(
        by=lead, meeting=meeting, text="逾期的决议", owner_school=network.far, due_on=today + timedelta(9)
    )
    Resolution.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=1))
    services.record_minutes(by=lead, meeting=meeting, minutes="纪要正文", attendees="")
    _term(space, network.far, today - timedelta(days=1), 30)
    _shared_sites(network, 2)
    for who, most in ((far_staff, 19), (lead, 20)):
        client = client_for(who)
        client.get(f"/alliances/spaces/{space.pk}/")
        with django_assert_max_num_queries(most):
            page = client.get(f"/alliances/spaces/{space.pk}/").content.decode()
        assert "逾期 1 项" in page and "逾期的决议" in page
        assert f"当前轮值学校：<strong>{network.far.name}</strong>" in page
        assert "<td>1</td><td>已记录</td>" in page  # the meeting's resolution count and minutes
        assert "共享基地1" in page and "共享基地0" in page
        assert (f'name="school_id" value="{network.far.pk}"' in page) is (who == far_staff)
        assert ("安排轮值" in page) is True  # the far school is the chair: both manage


def test_create_button_of_the_agreement_list(client_for, network):
    from yiwang.alliances.selectors import groups_of

    people = {
        "lead and supporter": member(network.city, is_school_admin=True),
        "member": member(network.far, is_school_admin=True),
        "supported": member(network.partner, is_training_staff=True),
        "teacher": member(network.city, is_teacher=True),
        "stranger": member(network.stranger, is_school_admin=True),
    }
    for name, user in people.items():
        alliances, partnerships = groups_of(user)
        mine = set(staff_school_ids(user))
        before = any(a.lead_school_id in mine for a in alliances) or any(
            p.supporter_id in mine for p in partnerships
        )
        assert selectors.can_create_agreement(user) is before is (name == "lead and supporter"), name
        page = client_for(user).get("/alliances/agreements/").content.decode()
        assert ("登记协议</a>" in page) is before, name

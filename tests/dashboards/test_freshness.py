"""The boards' cache is exact: a number is reused only while nothing it counts has changed, and
never across viewers who see different records. The two-period statements count what the
separate counts (and the drill-down lists) count."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.dashboards.conftest import viewers
from tests.factories import member, platform_admin
from tests.factories.classes import TeacherFactory, TopicFactory, open_session
from tests.factories.research import OutputFactory, endorsement

from yiwang.classes.models import Session
from yiwang.dashboards import freshness, indicators, selectors
from yiwang.dashboards.periods import Period
from yiwang.network.enums import SharingScope
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db

Y2026 = Period.year(2026)


def _records(network):
    for scope in (SharingScope.SCHOOL, SharingScope.NETWORK, SharingScope.SYSTEM, SharingScope.PARTNERS):
        TopicFactory(owner_school=network.city, scope=scope)
        TeacherFactory(owner_school=network.city, scope=scope)
        out = OutputFactory(owner_school=network.city, scope=scope, published_on=date(2026, 2, 1))
        endorsement(out, verified=True, day=date(2026, 3, 1))
        OutputFactory(owner_school=network.city, scope=scope, published_on=date(2025, 2, 1))
        open_session(network.city, scope=scope, day=date(2026, 3, 2))
        open_session(network.city, scope=scope, day=date(2025, 3, 2))
    shared = TopicFactory(owner_school=network.city, scope=SharingScope.PARTNERS)
    shared.shared_alliances.add(network.alliance)


@pytest.mark.sqlite_only
def test_every_table_a_cached_number_reads_carries_a_counter_trigger(network):
    _records(network)
    tables = set(connection.introspection.table_names())
    versioned = set(freshness.versioned_tables())
    assert versioned & tables <= freshness.installed_tables()
    scopes = [selectors.NETWORK_SCOPE, selectors.resolve_scope(platform_admin("system"), "school", "city")]
    read = set()
    for viewer in viewers(network):
        for scope in scopes:
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                selectors.board(viewer, scope, Y2026)
                selectors.trend(viewer, scope, Y2026, [i.key for i in indicators.indicators()])
                for ind in indicators.indicators():
                    selectors.ranking(viewer, scope, Y2026, ind.key)
            sql = " ".join(q["sql"] for q in captured.captured_queries)
            read |= {t for t in tables if f'"{t}"' in sql or re.search(rf"\b{re.escape(t)}\b", sql)}
    # what is read but not cached: the counters themselves, the cache, the targets; and the tallies,
    # which change only in the same transactions as the versioned tables they are derived from
    read -= {"dashboards_dataversion", "dashboards_indicatortarget", "yiwang_cache", "dashboards_tally"}
    # (the records under the tallies are read only when drafts or shared rows exist; the probe for
    # them reads their root tables every time)
    assert {"topics_topic", "classes_trainingclass", "research_researchoutput"} <= read
    assert read <= versioned, read - versioned
    # the viewer context's own tables (memberships, schools, alliances, partnerships, platform roles)
    assert {"network_membership", "network_school", "network_alliancemembership"} <= versioned


@pytest.mark.sqlite_only
def test_the_stamp_changes_on_every_write_path(network):
    topic = TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    seen = {freshness.stamp()}

    def changed():
        now = freshness.stamp()
        assert now not in seen
        seen.add(now)

    Topic.objects.filter(pk=topic.pk).update(scope=SharingScope.SCHOOL)  # no signals
    changed()
    TopicFactory(owner_school=network.city)
    changed()
    Topic.objects.bulk_create([TopicFactory.build(owner_school=network.city, scope=SharingScope.NETWORK)])
    changed()
    topic.shared_alliances.add(network.alliance)  # a share target (m2m row)
    changed()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Topic._meta.db_table} SET title = %s WHERE id = %s", ["原始 SQL", topic.pk])
    changed()
    Topic.objects.filter(pk=topic.pk).delete()
    changed()
    assert freshness.stamp() in seen  # reading changes nothing


def test_two_periods_in_one_statement_equal_separate_counts(network):
    _records(network)
    for viewer in viewers(network):
        for school_ids in (None, [network.city.pk]):
            numbers = indicators.board_numbers(viewer, school_ids=school_ids, period=Y2026)
            for ind in indicators.indicators():
                if ind.ratio:
                    continue
                for value, period in zip(numbers[ind.key], (Y2026, Y2026.previous()), strict=True):
                    qs = indicators.scoped_records(ind, viewer, school_ids=school_ids, period=period)
                    assert value == indicators._aggregate(ind, qs), (ind.key, period.key)
                    if ind.measure == "count":
                        total, _rows = indicators.drill_rows(
                            ind, viewer, school_ids=school_ids, period=period, limit=1
                        )
                        assert value == total, (ind.key, period.key)


def _board_value(viewer, key, scope=selectors.NETWORK_SCOPE):
    board = selectors.board(viewer, scope, Y2026)
    return next(r["value"] for s in board.sections for r in s["rows"] if r["indicator"].key == key)


@pytest.mark.sqlite_only
def test_a_cached_board_follows_every_write_exactly(network):
    _records(network)
    staff = member(network.city, is_teaching_staff=True)
    ind = indicators.get("open_sessions")
    assert _board_value(staff, "open_sessions") == indicators.drill_rows(ind, staff, period=Y2026)[0] == 4
    with CaptureQueriesContext(connection) as second:
        assert _board_value(staff, "open_sessions") == 4
    aggregates = [q["sql"] for q in second.captured_queries if "COUNT(" in q["sql"].upper()]
    assert aggregates == []  # reused: only the stamp and the targets were read
    # a write that no signal sees (QuerySet.update) still makes the board recount
    first, second_session = Session.objects.filter(date=date(2026, 3, 2)).order_by("pk")[:2]
    Session.objects.filter(pk__in=[first.pk, second_session.pk]).update(is_cancelled=True)
    total, _ = indicators.drill_rows(ind, staff, period=Y2026)
    assert total == 2
    assert _board_value(staff, "open_sessions") == 2


def test_a_cached_board_is_never_served_to_a_viewer_who_sees_less(network):
    _records(network)
    insider = member(network.city, is_teaching_staff=True, is_research_staff=True)
    outsider = member(network.stranger, is_teaching_staff=True, is_research_staff=True)
    ally = member(network.far, is_teaching_staff=True, is_research_staff=True)
    for key in ("shared_topics", "open_sessions", "advisory_reports", "endorsements"):
        ind = indicators.get(key)
        values = {}
        for viewer in (insider, outsider, ally, insider):  # the insider's cached board first and last
            number = _board_value(viewer, key)
            assert number == indicators.drill_rows(ind, viewer, period=Y2026)[0], key
            values[viewer.pk] = number
        assert values[insider.pk] > values[outsider.pk] <= values[ally.pk], key
    assert _board_value(ally, "shared_topics") > _board_value(
        outsider, "shared_topics"
    )  # shared with the alliance
    # the same person with a new membership sees more at once (the viewer context is in the key)
    before = _board_value(outsider, "shared_topics")
    outsider_again = member(network.city, is_teaching_staff=True)
    assert _board_value(outsider_again, "shared_topics") > before


@pytest.mark.sqlite_only
def test_the_board_page_reads_its_cached_numbers_and_matches_the_lists(network, client_for):
    _records(network)
    staff = member(network.city, is_teaching_staff=True, is_school_admin=True)
    client = client_for(staff)
    url = "/dashboards/boards/school/city/?period=2026"
    first = client.get(url)
    assert first.status_code == 200
    for section in first.context["board"].sections:
        for row in section["rows"]:
            ind = row["indicator"]
            if ind.measure == "count" and not ind.ratio:
                total, _ = indicators.drill_rows(
                    ind, staff, school_ids=[network.city.pk], period=Y2026, limit=1
                )
                assert row["value"] == total, ind.key
    with CaptureQueriesContext(connection) as second:
        again = client.get(url)
    counted = [
        q["sql"]
        for q in second.captured_queries
        if "COUNT(" in q["sql"].upper() and "activity_notification" not in q["sql"]
    ]
    assert counted == []
    assert [r["value"] for s in again.context["board"].sections for r in s["rows"]] == [
        r["value"] for s in first.context["board"].sections for r in s["rows"]
    ]
    assert again.context["ranking"] == first.context["ranking"]
    assert again.context["trend"] == first.context["trend"]


def test_a_report_streams_exactly_the_drill_down_rows_in_their_order(network):
    _records(network)
    for viewer in (platform_admin("system"), member(network.far, is_research_staff=True)):
        for key in ("shared_topics", "open_sessions", "endorsements", "advisory_reports", "shared_teachers"):
            ind = indicators.get(key)
            total, rows = indicators.drill_rows(ind, viewer, period=Y2026, limit=1000)
            assert total == len(rows), key
            assert list(indicators.stream_rows(ind, viewer, period=Y2026, chunk=2)) == rows, key
            assert list(indicators.stream_rows(ind, viewer, period=Y2026, limit=3, chunk=2)) == rows[:3]


@pytest.mark.postgres_only
def test_postgresql_boards_are_counted_afresh_with_no_triggers(network):
    """No counter triggers on PostgreSQL (they deadlocked concurrent sign-ups): every view counts."""
    _records(network)
    assert freshness.installed_tables() == set()
    staff = member(network.city, is_teaching_staff=True)
    assert _board_value(staff, "open_sessions") == 4
    first, second_session = Session.objects.filter(date=date(2026, 3, 2)).order_by("pk")[:2]
    Session.objects.filter(pk__in=[first.pk, second_session.pk]).update(is_cancelled=True)
    assert _board_value(staff, "open_sessions") == 2

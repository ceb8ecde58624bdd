"""The incremental tallies (decision 0013) give exactly the live counts — for every kind of viewer,
after every kind of write, on both databases — and compacting or rebuilding them changes nothing."""

from dataclasses import replace
from datetime import date

import pytest
from django.db.models import Sum
from django.utils import timezone
from tests.factories import member, platform_admin
from tests.factories.classes import TeacherFactory, TopicFactory, confirmed, open_session

from yiwang.classes.enums import ClassStatus
from yiwang.classes.models import CheckIn, Evaluation, Session, TrainingClass
from yiwang.dashboards import indicators, selectors, tallies
from yiwang.dashboards.models import Tally
from yiwang.dashboards.periods import Period
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db

Y2026 = Period.year(2026)
TALLIED = [i for i in indicators.indicators() if i.tally]
SCOPES = (SharingScope.SCHOOL, SharingScope.SYSTEM, SharingScope.PARTNERS, SharingScope.NETWORK)


def _rate(session, score):
    fields = dict.fromkeys(("relevance", "theory", "information", "delivery", "manner"), score)
    n = Evaluation.objects.filter(session=session).count()
    return Evaluation.objects.create(session=session, rater_fingerprint=f"t{session.pk}-{n}", **fields)


def _records(network):
    for scope in SCOPES:
        for status in (PublicationStatus.PUBLISHED, PublicationStatus.DRAFT):
            TopicFactory(owner_school=network.city, scope=scope, status=status)
        TeacherFactory(owner_school=network.city, scope=scope)
        for day in (date(2026, 3, 2), date(2025, 11, 5)):
            session = open_session(network.city, scope=scope, day=day)
            for school in (network.far, network.stranger, network.city):
                sign_up = confirmed(session, member(school, is_teacher=True), school)
                CheckIn.objects.create(
                    sign_up=sign_up, checked_in_at=timezone.now(), hours=session.credit_hours
                )
            _rate(session, 17)
            _rate(session, 18)
    draft = open_session(network.city, scope=SharingScope.NETWORK, day=date(2026, 4, 1))
    TrainingClass.objects.filter(pk=draft.training_class_id).update(status=ClassStatus.DRAFT)
    _rate(draft, 15)
    shared = TopicFactory(owner_school=network.city, scope=SharingScope.PARTNERS)
    shared.shared_alliances.add(network.alliance)
    klass = open_session(network.city, scope=SharingScope.PARTNERS, day=date(2026, 5, 1)).training_class
    klass.shared_partnerships.add(network.partnership)


def _viewers(network):
    return [
        platform_admin("system"),
        member(network.city, is_teaching_staff=True, is_research_staff=True),
        member(network.branch_a, is_teacher=True),
        member(network.far, is_research_staff=True),
        member(network.partner, is_teaching_staff=True),
        member(network.stranger, is_teacher=True),
    ]


def _check(viewer, school_ids=None):
    """Tallied == live for numbers, trend and ranking; counts == the drill-down lists."""
    periods = [Y2026, Y2026.previous()]
    buckets = Period.buckets(date(2025, 1, 1), date(2027, 1, 1), "month")
    for ind in TALLIED:
        live = replace(ind, tally="")
        got = indicators.values_over([ind], viewer, school_ids=school_ids, periods=periods)[ind.key]
        want = indicators.values_over([live], viewer, school_ids=school_ids, periods=periods)[ind.key]
        assert got == want, (ind.key, got, want)
        if ind.measure == "count":
            for value, period in zip(got, periods, strict=True):
                total, _ = indicators.drill_rows(ind, viewer, school_ids=school_ids, period=period, limit=1)
                assert value == total, (ind.key, period.key)
        kw = {"school_ids": school_ids, "start": buckets[0].start, "end": buckets[-1].end}
        assert indicators.series_of(ind, viewer, **kw) == indicators.series_of(live, viewer, **kw), ind.key
        assert indicators.ranking_of(
            ind, viewer, school_ids=school_ids, period=Y2026
        ) == indicators.ranking_of(live, viewer, school_ids=school_ids, period=Y2026), ind.key


def _sums():
    return sorted(
        Tally.objects.values_list("family", "school_id", "owner_id", "scope", "month")
        .annotate(n=Sum("n"), v=Sum("v"))
        .filter(n__gt=0)
    )


def _rebuilt_equals_incremental():
    incremental = _sums()
    for family in tallies.FAMILIES.values():
        tallies.rebuild(family)
    assert _sums() == incremental


def test_tallied_numbers_equal_live_counts_and_lists_for_every_viewer(network):
    _records(network)
    assert tallies.installed_triggers()
    for viewer in _viewers(network):
        for school_ids in (None, [network.city.pk]):
            _check(viewer, school_ids)
    rows = Tally.objects.count()
    assert tallies.compact() == rows
    assert Tally.objects.count() < rows
    _check(_viewers(network)[1])
    _rebuilt_equals_incremental()


def _number(viewer, key):
    board = selectors.board(viewer, selectors.NETWORK_SCOPE, Y2026)
    return next(r["value"] for s in board.sections for r in s["rows"] if r["indicator"].key == key)


def test_a_board_number_follows_every_kind_of_write_at_once(network):
    _records(network)
    tallies.compact()
    viewers = _viewers(network)
    keys = ("shared_topics", "shared_teachers", "open_sessions", "visiting_attendance", "evaluations")

    def exact():
        for viewer in viewers:
            for key in keys:
                ind = indicators.get(key)
                total, _ = indicators.drill_rows(ind, viewer, period=Y2026, limit=1)
                assert _number(viewer, key) == total, key

    exact()
    topic = TopicFactory(owner_school=network.far, scope=SharingScope.NETWORK)  # ORM save
    exact()
    Topic.objects.bulk_create(  # bulk_create
        [TopicFactory.build(owner_school=network.city, scope=SharingScope.SCHOOL) for _ in range(3)]
    )
    Teacher.objects.bulk_create([TeacherFactory.build(owner_school=network.far, scope=SharingScope.NETWORK)])
    exact()
    Topic.objects.filter(pk=topic.pk).update(scope=SharingScope.SCHOOL)  # QuerySet.update (no signals)
    Teacher.objects.filter(owner_school=network.city).update(is_active=False)
    exact()
    first = Session.objects.filter(date=date(2026, 3, 2)).order_by("pk").first()
    TrainingClass.objects.filter(pk=first.training_class_id).update(scope=SharingScope.SCHOOL)  # a parent
    Session.objects.filter(pk=first.pk).update(is_cancelled=True)
    exact()
    Session.objects.filter(pk=first.pk).update(is_cancelled=False, date=date(2026, 8, 8))
    klass = TrainingClass.objects.get(pk=first.training_class_id)
    klass.status = ClassStatus.DRAFT  # ORM save of a parent
    klass.save()
    exact()
    Evaluation.objects.filter(session__date=date(2026, 3, 2)).first().delete()  # delete
    CheckIn.objects.filter(sign_up__session__date=date(2026, 3, 2)).first().sign_up.delete()  # cascade
    Topic.objects.filter(pk=topic.pk).delete()
    exact()
    Session.objects.filter(pk=first.pk).delete()  # a session with its sign-ups, check-ins, ratings
    exact()
    _rebuilt_equals_incremental()

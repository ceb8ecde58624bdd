"""The incremental tallies (decision 0013) give exactly the live counts — for every kind of viewer,
after every kind of write, on both databases — and compacting or rebuilding them changes nothing."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.dashboards.conftest import viewers
from tests.factories import member
from tests.factories.classes import TeacherFactory, TopicFactory, confirmed, open_session
from tests.factories.courses import CourseFactory
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.calls.enums import ApplicationStatus, CallKind
from yiwang.calls.models import Application, ResearchCall, TeamMember
from yiwang.classes.enums import ClassStatus
from yiwang.classes.models import CheckIn, Evaluation, Session, TrainingClass
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course
from yiwang.dashboards import indicators, selectors, services, tallies
from yiwang.dashboards.models import Tally
from yiwang.dashboards.periods import Period
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind, ProjectStatus
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject
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


def _records(network, people=None):
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
    _research(network)
    _courses(network)
    _applications(network, people or viewers(network))


def _moment(day: date):
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=10)))


def _call(school, year=2026):
    return ResearchCall.objects.create(
        owner_school=school,
        scope=SharingScope.NETWORK,
        title=f"{school.name}{year}年度课题",
        kind=CallKind.values[0],
        year=year,
        funding_pool=100,
        per_project_cap=10,
        opens_at=_moment(date(year, 1, 1)),
        closes_at=_moment(date(year, 12, 1)),
    )


def _apply(call, home, applicant, status, day, *, amount=None, concluded=None, team=()):
    """An application of ``call`` by ``applicant`` of ``home``; submitted (unless a draft) and,
    granted, decided on ``day`` with a research project (concluded or not)."""
    principal = TeacherFactory(owner_school=home, scope=SharingScope.SCHOOL)
    project = None
    if status == ApplicationStatus.GRANTED:
        project = ProjectFactory(
            owner_school=home,
            start_date=day.replace(day=20),
            end_date=date(2028, 1, 1),
            status=ProjectStatus.CONCLUDED if concluded else ProjectStatus.ONGOING,
        )
    app = Application.objects.create(
        call=call,
        call_school=call.owner_school,
        applicant=applicant,
        principal=principal,
        home_school=home,
        title=f"申报{status}{day}",
        status=status,
        submitted_at=None if status == ApplicationStatus.DRAFT else _moment(day),
        decided_at=_moment(day)
        if status in (ApplicationStatus.GRANTED, ApplicationStatus.NOT_GRANTED)
        else None,
        granted_amount=amount if status == ApplicationStatus.GRANTED else None,
        project=project,
    )
    for teacher in team:
        TeamMember.objects.create(application=app, call=call, teacher=teacher)
    return app


def _applications(network, people):
    """共研一个题 applications of the city's and the far school's calls, from three home schools, in
    every status, in both years; some whose applicant or team member is one of ``people`` (the
    team sees what the research staff of their school may not)."""
    branch_teacher, stranger_teacher = people[2], people[5]
    on_team = TeacherFactory(owner_school=network.stranger, user=stranger_teacher)
    for call in (_call(network.city), _call(network.far)):
        for home in (network.branch_a, network.far, network.stranger):
            applicant = branch_teacher if home == network.branch_a else member(home, is_teacher=True)
            for day in (date(2026, 3, 2), date(2025, 11, 5)):
                for status in (
                    ApplicationStatus.DRAFT,
                    ApplicationStatus.HOME_REVIEW,
                    ApplicationStatus.IN_REVIEW,
                    ApplicationStatus.NOT_GRANTED,
                ):
                    _apply(call, home, applicant, status, day)
                _apply(call, home, applicant, ApplicationStatus.GRANTED, day, amount=Decimal("3.50"))
                _apply(
                    call,
                    home,
                    applicant,
                    ApplicationStatus.GRANTED,
                    day,
                    amount=Decimal("2"),
                    concluded=True,
                    team=[on_team],
                )
    _apply(_call(network.far), network.stranger, stranger_teacher, ApplicationStatus.DRAFT, date(2026, 4, 1))


def _courses(network):
    """Courses of every status and scope, owned by the city or the far school, co-built or not,
    some created in 2025; a 协作 one shared with the alliance."""
    for scope in SCOPES:
        for i, status in enumerate(CourseStatus.values):
            for owner in (network.city, network.far):
                course = CourseFactory(owner_school=owner, scope=scope, status=status)
                if i % 2 == 0:
                    course.co_schools.add(network.branch_a if owner == network.city else network.city)
                if owner == network.far:
                    Course.objects.filter(pk=course.pk).update(
                        created_at=timezone.make_aware(datetime(2025, 10, 3, 12))
                    )
    shared = CourseFactory(
        owner_school=network.far, scope=SharingScope.PARTNERS, status=CourseStatus.FEATURED
    )
    shared.shared_alliances.add(network.alliance)
    shared.co_schools.add(network.far)
    draft = CourseFactory(owner_school=network.far, scope=SharingScope.PARTNERS, status=CourseStatus.DRAFT)
    draft.shared_alliances.add(network.alliance)
    draft.co_schools.add(network.city)


def _research(network):
    """Projects, outputs (咨政报告 and papers, active and retired) and their 批示 (verified or not,
    one or two per output), of every scope, in both years; 协作 ones shared with the alliance."""
    for scope in SCOPES:
        for day in (date(2026, 3, 2), date(2025, 11, 5)):
            ProjectFactory(owner_school=network.city, scope=scope, start_date=day, end_date=date(2027, 1, 1))
            for kind in (OutputKind.ADVISORY, OutputKind.PAPER):
                plain = OutputFactory(owner_school=network.city, scope=scope, kind=kind, published_on=day)
                twice = OutputFactory(owner_school=network.far, scope=scope, kind=kind, published_on=day)
                retired = OutputFactory(
                    owner_school=network.city, scope=scope, kind=kind, published_on=day, is_active=False
                )
                endorsement(plain, verified=False, day=day)
                for output in (twice, twice, retired):
                    endorsement(output, verified=True, day=date(2026, 1, 20))
    shared = OutputFactory(
        owner_school=network.far, scope=SharingScope.PARTNERS, published_on=date(2026, 6, 1)
    )
    shared.shared_alliances.add(network.alliance)
    endorsement(shared, verified=True, day=date(2026, 6, 9))
    ProjectFactory(
        owner_school=network.far,
        scope=SharingScope.PARTNERS,
        start_date=date(2026, 2, 1),
        end_date=date(2027, 1, 1),
        alliances=[network.alliance],
    )


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
    people = viewers(network)
    _records(network, people)
    assert tallies.installed_triggers()
    for viewer in people:
        for school_ids in (None, [network.city.pk]):
            _check(viewer, school_ids)
    rows = Tally.objects.count()
    assert tallies.compact() == rows
    assert Tally.objects.count() < rows
    _check(viewers(network)[1])
    _rebuilt_equals_incremental()


def _number(viewer, key):
    board = selectors.board(viewer, selectors.NETWORK_SCOPE, Y2026)
    return next(r["value"] for s in board.sections for r in s["rows"] if r["indicator"].key == key)


def test_a_board_number_follows_every_kind_of_write_at_once(network):
    _records(network)
    tallies.compact()
    people = viewers(network)
    keys = [i.key for i in TALLIED if i.measure == "count"]

    def exact():
        for viewer in people:
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
    _research_writes(network, exact)
    _course_writes(network, exact)
    _application_writes(network, people, exact)
    _rebuilt_equals_incremental()


def _application_writes(network, people, exact):
    """Applications submitted, granted, re-dated, moved to another home school, their projects
    concluded and reopened, deleted; a team member added; one bulk-created."""
    call = ResearchCall.objects.filter(owner_school=network.city).first()
    app = _apply(call, network.branch_a, people[2], ApplicationStatus.DRAFT, date(2026, 5, 5))
    exact()
    Application.objects.filter(pk=app.pk).update(
        status=ApplicationStatus.HOME_REVIEW, submitted_at=_moment(date(2026, 5, 6))
    )
    exact()
    project = ProjectFactory(
        owner_school=network.branch_a, start_date=date(2026, 6, 1), end_date=date(2028, 1, 1)
    )
    Application.objects.filter(pk=app.pk).update(
        status=ApplicationStatus.GRANTED,
        granted_amount=Decimal("4.25"),
        decided_at=_moment(date(2026, 6, 1)),
        project=project,
    )
    exact()
    ResearchProject.objects.filter(pk=project.pk).update(status=ProjectStatus.CONCLUDED)  # a parent
    exact()
    Application.objects.filter(pk=app.pk).update(
        home_school=network.far, decided_at=_moment(date(2025, 12, 1))
    )
    exact()
    TeamMember.objects.create(
        application=app, call=call, teacher=TeacherFactory(owner_school=network.partner, user=people[4])
    )
    exact()
    Application.objects.bulk_create(
        [
            Application(
                call=call,
                call_school=network.city,
                applicant=people[2],
                principal=app.principal,
                home_school=network.branch_b,
                title="批量",
                status=ApplicationStatus.IN_REVIEW,
                submitted_at=_moment(date(2026, 2, 2)),
            )
        ]
    )
    ResearchProject.objects.filter(pk=project.pk).update(status=ProjectStatus.ONGOING)
    exact()
    Application.objects.filter(pk=app.pk).delete()
    Application.objects.filter(title="批量").delete()
    exact()


def _course_writes(network, exact):
    """Courses published, featured, retired, re-scoped, co-built and not, deleted; a course's first
    co-building school added, a second, both removed (ORM, bulk, m2m, QuerySet.update)."""
    course = CourseFactory(owner_school=network.far, scope=SharingScope.NETWORK, status=CourseStatus.DRAFT)
    exact()
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.PUBLISHED)
    exact()
    course.co_schools.add(network.city)  # the first co-building school: co-built now
    exact()
    course.co_schools.add(network.branch_a)  # a second: still one co-built course
    exact()
    course.co_schools.remove(network.city)
    exact()
    course.co_schools.clear()  # none left
    exact()
    Course.objects.bulk_create(
        [
            CourseFactory.build(
                owner_school=network.city, scope=SharingScope.SCHOOL, status=CourseStatus.FEATURED
            )
        ]
    )
    Course.co_schools.through.objects.bulk_create(
        [
            Course.co_schools.through(course_id=c.pk, school_id=network.far.pk)
            for c in Course.objects.exclude(co_schools=network.far)[:3]
        ]
    )
    exact()
    Course.objects.filter(owner_school=network.city, status=CourseStatus.PUBLISHED).update(
        status=CourseStatus.FEATURED, scope=SharingScope.SYSTEM
    )
    Course.objects.filter(owner_school=network.far, status=CourseStatus.FEATURED).update(
        status=CourseStatus.RETIRED
    )
    exact()
    course.status = CourseStatus.FEATURED  # ORM save
    course.save()
    course.co_schools.add(network.partner)
    exact()
    course.delete()  # with its co-building rows
    Course.objects.filter(co_schools=network.far).delete()
    exact()


def _research_writes(network, exact):
    """批示 added, verified, unverified and deleted one by one and in bulk; outputs retired,
    re-dated, re-scoped and deleted with their 批示; projects moved."""
    report = OutputFactory(
        owner_school=network.far, scope=SharingScope.NETWORK, published_on=date(2026, 4, 1)
    )
    first = endorsement(report, verified=False, day=date(2026, 5, 1))  # an unverified one counts nowhere
    exact()
    Endorsement.objects.filter(pk=first.pk).update(verified_at=timezone.now())  # the first verified
    exact()
    second = endorsement(report, verified=True, day=date(2026, 5, 2))  # a second: still one report
    exact()
    Endorsement.objects.filter(pk=first.pk).delete()
    exact()
    Endorsement.objects.filter(pk=second.pk).update(verified_at=None)  # the last verified one goes
    exact()
    other = OutputFactory(owner_school=network.city, scope=SharingScope.SCHOOL, published_on=date(2026, 7, 1))
    Endorsement.objects.bulk_create(
        [
            Endorsement(
                output=o,
                leader_level=first.leader_level,
                endorsed_on=date(2026, 8, 1),
                verified_at=timezone.now(),
            )
            for o in (report, other, other)
        ]
    )
    exact()
    ResearchOutput.objects.filter(pk=other.pk).update(is_active=False)  # retired: listed to its staff only
    ResearchOutput.objects.filter(pk=report.pk).update(
        published_on=date(2025, 12, 31), scope=SharingScope.SYSTEM
    )
    exact()
    ResearchOutput.objects.filter(pk=other.pk).update(is_active=True, kind=OutputKind.PAPER)
    Endorsement.objects.filter(output=report).update(output=other)  # 批示 moved to another output
    exact()
    other.delete()  # with its 批示
    ResearchProject.objects.filter(scope=SharingScope.SCHOOL).update(scope=SharingScope.NETWORK)
    ResearchProject.objects.filter(start_date=date(2026, 3, 2)).first().delete()
    exact()


def test_a_board_reads_every_tally_in_one_statement(network):
    _records(network)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        selectors.board(viewers(network)[1], selectors.NETWORK_SCOPE, Y2026)
    reads = [q["sql"] for q in captured.captured_queries if '"dashboards_tally"' in q["sql"]]
    assert len(reads) == 1, reads
    assert {f.name for f in tallies.FAMILIES.values()} == {i.tally for i in TALLIED}


def test_compact_tallies_command_and_task_fold_the_rows_and_keep_every_number(network):
    _records(network)
    viewer = viewers(network)[1]

    def numbers():
        return indicators.values_over(TALLIED, viewer, periods=[Y2026, Y2026.previous()])

    before, rows = numbers(), Tally.objects.count()
    out = StringIO()
    call_command("compact_tallies", stdout=out)
    folded = Tally.objects.count()
    assert out.getvalue().strip() == f"看板增量记录：合并前 {rows} 行，合并后 {folded} 行。"
    assert folded == len(_sums()) < rows
    assert numbers() == before
    TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK)  # one more delta row
    assert services.compact_tallies.enqueue().return_value == [folded + 1, folded]
    assert numbers()["shared_topics"] == [before["shared_topics"][0] + 1, before["shared_topics"][1]]


LIVE_ONLY_TABLES = ('"classes_evaluation"', '"classes_checkin"', '"research_endorsement"')


def test_a_board_reads_the_live_parts_only_when_drafts_or_shares_exist(network):
    """Without draft, retired or shared records a board reads no tallied family's records (one
    probe says so); with them, each live part is one statement driven from those records' ids, and
    every number still equals its list (for every viewer, ``_check``)."""
    city = network.city
    session = open_session(city, scope=SharingScope.NETWORK, day=date(2026, 3, 2))
    sign_up = confirmed(session, member(network.far, is_teacher=True), network.far)
    CheckIn.objects.create(sign_up=sign_up, checked_in_at=timezone.now(), hours=session.credit_hours)
    _rate(session, 17)
    endorsement(OutputFactory(owner_school=city, kind=OutputKind.ADVISORY, published_on=date(2026, 3, 1)))
    viewer = viewers(network)[1]

    def live_reads():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            selectors.board(viewer, selectors.NETWORK_SCOPE, Y2026)
        return [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in LIVE_ONLY_TABLES)]

    assert live_reads() == []
    draft = open_session(city, scope=SharingScope.NETWORK, day=date(2026, 4, 1))
    TrainingClass.objects.filter(pk=draft.training_class_id).update(status=ClassStatus.DRAFT)
    _rate(draft, 15)
    retired = OutputFactory(owner_school=city, kind=OutputKind.ADVISORY, published_on=date(2026, 5, 1))
    endorsement(retired, verified=True, day=date(2026, 5, 9))
    ResearchOutput.objects.filter(pk=retired.pk).update(is_active=False)
    counted = [sql for sql in live_reads() if "GROUP BY" in sql]
    assert len(counted) == 2, counted  # the draft class's ratings, the retired output's 批示 (no check-ins)
    assert all('"id" IN (' in sql for sql in counted)  # by the records' ids
    for someone in viewers(network):
        _check(someone)


def _values(board):
    return {
        row["indicator"].key: (row["value"], row["previous"]) for s in board.sections for row in s["rows"]
    }


def test_a_board_page_reads_each_root_set_and_live_part_once(network):
    """The board, its trend and its ranking need the same drafts and shared records: within one
    page (``tallies.one_page``) the root sets are read by one statement and each live part once,
    and the page shows exactly what the board, the trend and the ranking give when read apart."""
    _records(network)
    trend_keys = ("open_sessions", "visiting_attendance", "advisory_reports", "endorsements")
    scope = selectors.NETWORK_SCOPE
    for viewer in viewers(network):
        cache.clear()
        with CaptureQueriesContext(connection) as page_reads:
            board, trend, ranking = selectors.board_page(
                viewer, scope, Y2026, trend_keys, scope, "evaluations"
            )
        cache.clear()
        with CaptureQueriesContext(connection) as board_reads:
            alone = selectors.board(viewer, scope, Y2026)
        cache.clear()
        assert _values(board) == _values(alone)
        assert trend == selectors.trend(viewer, scope, Y2026, trend_keys)
        cache.clear()
        assert ranking == selectors.ranking(viewer, scope, Y2026, "evaluations")

        def live(reads):
            return [
                q["sql"]
                for q in reads
                if any(t in q["sql"] for t in LIVE_ONLY_TABLES) and "GROUP BY" in q["sql"]
            ]

        roots = [q["sql"] for q in page_reads.captured_queries if " AS part, " in q["sql"]]
        assert len(roots) == 1, roots
        assert sorted(live(page_reads.captured_queries)) == sorted(live(board_reads.captured_queries))
        # a year board's trend covers the board's months: one tally read for both, one for the
        # ranking (by school)
        tally_reads = [q for q in page_reads.captured_queries if 'FROM "dashboards_tally"' in q["sql"]]
        assert len(tally_reads) == 2, [q["sql"][:120] for q in tally_reads]


def test_outside_a_page_every_read_is_fresh(network):
    """``one_page`` keeps live parts only inside its block: a write between two boards shows."""
    _records(network)
    viewer = viewers(network)[1]
    before = indicators.board_numbers(viewer, school_ids=None, period=Y2026)
    draft = open_session(network.city, scope=SharingScope.NETWORK, day=date(2026, 7, 1))
    TrainingClass.objects.filter(pk=draft.training_class_id).update(status=ClassStatus.DRAFT)
    _rate(draft, 19)
    after = indicators.board_numbers(viewer, school_ids=None, period=Y2026)
    assert after["evaluations"][0] == before["evaluations"][0] + 1

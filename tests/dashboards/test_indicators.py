"""Every indicator counts exactly the records behind it, over what the viewer may see."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import member, platform_admin
from tests.factories.classes import TeacherFactory, TopicFactory, confirmed, open_session
from tests.factories.courses import CourseFactory
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.classes.models import CheckIn, Evaluation
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.courses.enums import CourseStatus
from yiwang.dashboards import indicators, selectors
from yiwang.dashboards.periods import Period
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
Y2026 = Period.year(2026)
Y2025 = Period.year(2025)


def value(key, viewer, school_ids=None, period=Y2026):
    return indicators.value_of(indicators.get(key), viewer, school_ids=school_ids, period=period)


def _visit(session, school):
    visitor = member(school, is_teacher=True)
    sign_up = confirmed(session, visitor, school)
    CheckIn.objects.create(sign_up=sign_up, checked_in_at=timezone.now(), hours=session.credit_hours)
    return sign_up


def _rate(session, score: int):
    fields = dict.fromkeys(("relevance", "theory", "information", "delivery", "manner"), score)
    n = Evaluation.objects.filter(session=session).count()
    return Evaluation.objects.create(session=session, rater_fingerprint=f"fp{session.pk}-{n}", **fields)


def test_period_parse_and_refusals():
    assert Period.parse("2025", today=TODAY) == Y2025
    assert Period.parse("2026Q2", today=TODAY).start == date(2026, 4, 1)
    assert Period.parse("2026Q2", today=TODAY).end == date(2026, 7, 1)
    assert Period.parse("2026-05", today=TODAY).label == "2026年5月"
    assert Period.parse("", today=TODAY) == Y2026
    assert Period.parse("2026Q1", today=TODAY).previous().key == "2025Q4"
    assert Period.parse("2026-01", today=TODAY).previous().key == "2025-12"
    with pytest.raises(DomainError, match="未来"):
        Period.parse("2027", today=TODAY)
    with pytest.raises(DomainError, match="格式"):
        Period.parse("2026-13", today=TODAY)
    with pytest.raises(DomainError, match="格式"):
        Period.parse("abc", today=TODAY)


def test_open_sessions_visiting_attendance_hours_and_ratings(network):
    in_2026 = open_session(network.city, day=date(2026, 3, 2), credit_hours=Decimal("2.5"))
    in_2025 = open_session(network.city, day=date(2025, 3, 2))
    open_session(network.city, day=date(2026, 4, 2), is_cancelled=True)
    open_session(network.city, day=date(2026, 4, 3), is_open=False)
    _visit(in_2026, network.branch_a)
    _visit(in_2026, network.branch_b)
    _visit(in_2026, network.city)  # own school: not a visit
    _visit(in_2025, network.branch_a)
    _rate(in_2026, 16)
    _rate(in_2026, 19)
    staff = member(network.city, is_teaching_staff=True)

    assert value("open_sessions", staff) == 1
    assert value("open_sessions", staff, period=Y2025) == 1
    assert value("visiting_attendance", staff) == 2
    assert value("visiting_hours", staff) == Decimal("5.0")
    assert value("evaluations", staff) == 2
    assert value("evaluation_average", staff) == Decimal("87.50")  # (80 + 95) / 2
    assert value("evaluation_average", staff, period=Y2025) is None  # an average of nothing
    # A school board counts the records of its own school only.
    assert value("open_sessions", staff, school_ids=[network.branch_a.pk]) == 0


def test_research_indicators_and_rate(network):
    staff = member(network.city, is_research_staff=True)
    a = OutputFactory(owner_school=network.city, kind=OutputKind.ADVISORY, published_on=date(2026, 2, 1))
    b = OutputFactory(owner_school=network.city, kind=OutputKind.ADVISORY, published_on=date(2026, 3, 1))
    OutputFactory(owner_school=network.city, kind=OutputKind.ADVISORY, published_on=date(2026, 4, 1))
    OutputFactory(owner_school=network.city, kind=OutputKind.PAPER, published_on=date(2026, 4, 1))
    endorsement(a, verified=True, day=date(2026, 5, 1))
    endorsement(a, verified=True, day=date(2026, 5, 2))
    endorsement(b, verified=False, day=date(2026, 5, 3))
    ProjectFactory(owner_school=network.city, start_date=date(2026, 1, 10), end_date=date(2027, 1, 10))

    assert value("advisory_reports", staff) == 3
    assert value("endorsed_reports", staff) == 1
    assert value("endorsements", staff) == 2
    assert value("endorsement_rate", staff) == Decimal("33.3")
    assert value("endorsement_rate", staff, period=Y2025) is None  # no reports: no rate, no division by zero
    assert value("research_projects", staff) == 1


def test_sharing_and_codev_stocks(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    course = CourseFactory(
        owner_school=network.city, scope=SharingScope.NETWORK, status=CourseStatus.FEATURED
    )
    course.co_schools.add(network.branch_a)
    CourseFactory(owner_school=network.city, scope=SharingScope.NETWORK, status=CourseStatus.PUBLISHED)
    assert value("shared_teachers", staff) == 1
    assert value("shared_topics", staff) == 1
    assert value("shared_courses", staff) == 2
    assert value("cobuilt_courses", staff) == 1
    assert value("featured_courses", staff) == 1
    # A stock is counted as of the period's end: nothing existed before 2000.
    assert value("shared_topics", staff, period=Period.year(2000)) == 0


def test_indicators_never_count_what_the_viewer_may_not_see(network):
    hidden = OutputFactory(
        owner_school=network.city, scope=SharingScope.SCHOOL, published_on=date(2026, 2, 1)
    )
    endorsement(hidden, verified=True, day=date(2026, 3, 1))
    OutputFactory(owner_school=network.city, scope=SharingScope.NETWORK, published_on=date(2026, 2, 1))
    open_session(network.city, scope=SharingScope.SCHOOL, day=date(2026, 3, 2))
    TopicFactory(owner_school=network.city, scope=SharingScope.SCHOOL)
    insider = member(network.city, is_research_staff=True)
    outsider = member(network.stranger, is_research_staff=True)
    for key in ("advisory_reports", "endorsements", "open_sessions", "shared_topics"):
        ind = indicators.get(key)
        for viewer in (insider, outsider):
            number = indicators.value_of(ind, viewer, period=Y2026)
            total, rows = indicators.drill_rows(ind, viewer, period=Y2026, limit=1000)
            assert number == total == len(rows), key  # the number is the list behind it
    assert value("advisory_reports", outsider) == 1
    assert value("advisory_reports", insider) == 2
    assert value("endorsements", outsider) == 0
    assert value("open_sessions", outsider) == 0
    assert value("shared_topics", outsider) == 0


def test_series_and_ranking_match_values(network):
    staff = platform_admin("system")
    for day in (date(2026, 1, 5), date(2026, 1, 20), date(2026, 3, 1)):
        open_session(network.city, scope=SharingScope.NETWORK, day=day)
    open_session(network.far, scope=SharingScope.NETWORK, day=date(2026, 2, 1))
    series = dict(
        indicators.series_of(
            indicators.get("open_sessions"), staff, start=date(2026, 1, 1), end=date(2026, 4, 1)
        )
    )
    assert series == {"2026年1月": 2, "2026年2月": 1, "2026年3月": 1}
    ranking = indicators.ranking_of(indicators.get("open_sessions"), staff, period=Y2026)
    assert [(r["school"], r["value"]) for r in ranking] == [("中共测试市委党校", 3), ("中共远方市委党校", 1)]


def test_board_access(network):
    city_staff = member(network.city, is_teaching_staff=True)
    branch_staff = member(network.branch_a, is_teaching_staff=True)
    teacher = member(network.city, is_teacher=True)
    admin = platform_admin("system")

    assert selectors.resolve_scope(city_staff, "network").school_ids is None
    assert selectors.resolve_scope(admin, "network").label == "全网"
    with pytest.raises(NotFoundError):
        selectors.resolve_scope(branch_staff, "network")  # a branch is not at the top of its system
    with pytest.raises(NotFoundError):
        selectors.resolve_scope(teacher, "school", "city")  # a teacher is not the school's office
    assert selectors.resolve_scope(city_staff, "school", "city-a").school_ids == {network.branch_a.pk}
    with pytest.raises(NotFoundError):
        selectors.resolve_scope(branch_staff, "school", "city")  # not upwards
    with pytest.raises(NotFoundError):
        selectors.resolve_scope(branch_staff, "alliance", str(network.alliance.pk))
    assert selectors.resolve_scope(city_staff, "alliance", str(network.alliance.pk)).school_ids == {
        network.city.pk,
        network.far.pk,
    }
    kinds = [(s.kind, s.ident) for s in selectors.boards_for(city_staff)]
    assert kinds[0] == ("network", "")
    assert ("school", "city-b") in kinds and ("alliance", str(network.alliance.pk)) in kinds
    assert ("school", "far") not in kinds


def test_board_page_and_drill_down(network, client_for, django_assert_max_num_queries):
    staff = member(network.city, is_teaching_staff=True)
    client = client_for(staff)
    day = timezone.localdate() - timedelta(days=1)
    session = open_session(network.city, day=day)
    _visit(session, network.branch_a)
    year = day.year
    url = f"/dashboards/boards/school/city/?period={year}"
    response = client.get(url)
    assert response.status_code == 200
    rows = {r["indicator"].key: r for s in response.context["board"].sections for r in s["rows"]}
    assert rows["open_sessions"]["value"] == 1
    assert rows["visiting_attendance"]["value"] == 1
    drill = client.get(f"/dashboards/boards/school/city/open_sessions/?period={year}")
    assert drill.context["total"] == 1 and drill.context["value"] == 1
    assert session.title in drill.content.decode()
    # Constant queries whatever the number of records (one per family of indicators, both periods),
    # counted afresh (the boards' cache emptied); a repeated view reads its cached numbers.
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        _visit(open_session(network.city, day=day), network.branch_b)
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    assert len(few.captured_queries) <= len(indicators.indicators()) + 40
    if connection.vendor == "sqlite":  # the exact cache (PostgreSQL counts every view: decision 0010)
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200
    assert client_for(member(network.stranger, is_teaching_staff=True)).get(url).status_code == 404


def test_board_with_no_data_and_bad_period(network, client_for):
    client = client_for(member(network.stranger, is_teaching_staff=True))
    response = client.get("/dashboards/boards/school/stranger/?period=2030")
    assert response.status_code == 200
    assert "统计期尚未开始" in response.content.decode()
    response = client.get("/dashboards/boards/school/stranger/?period=2001")
    assert response.context["empty"] is True
    assert "该统计期暂无数据" in response.content.decode()


def test_targets_shown_as_progress(network, client_for):
    admin = member(network.city, is_school_admin=True)
    client = client_for(admin)
    year = timezone.localdate().year
    response = client.post("/dashboards/targets/city/", {"year": year, "t_open_sessions": "4"})
    assert response.status_code == 302
    open_session(network.city, day=timezone.localdate() - timedelta(days=1))
    board = client.get(f"/dashboards/boards/school/city/?period={year}").context["board"]
    row = next(r for s in board.sections for r in s["rows"] if r["indicator"].key == "open_sessions")
    assert row["target"] == Decimal("4.0") and row["progress"] == 25
    teacher_client = client_for(member(network.city, is_teaching_staff=True))
    assert teacher_client.get("/dashboards/targets/city/").status_code == 404


def test_board_export_is_audited(network, client_for):
    from yiwang.activity.models import AuditRecord

    client = client_for(member(network.city, is_teaching_staff=True))
    response = client.get(f"/dashboards/boards/school/city/export/?period={timezone.localdate().year}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        AuditRecord.objects.filter(action="export").exists()
        or AuditRecord.objects.filter(action__contains="export").exists()
    )


def test_indicator_api(network, client_for):
    client = client_for(member(network.city, is_teaching_staff=True))
    open_session(network.city, day=timezone.localdate() - timedelta(days=1))
    year = timezone.localdate().year
    data = client.get(f"/api/v1/indicators/values?scope=school:city&period={year}&only=open_sessions").json()
    assert data["values"] == [
        {"key": "open_sessions", "label": "开放课堂场次", "unit": "场", "value": 1.0, "previous": 0.0}
    ]
    assert client.get("/api/v1/indicators/values?scope=school:far").status_code == 404
    bad = client.get("/api/v1/indicators/values?scope=school:city&only=nothing")
    assert bad.status_code == 400 and "没有这些指标" in bad.json()["error"]["message"]
    assert len(client.get("/api/v1/indicators/").json()) == len(indicators.indicators())

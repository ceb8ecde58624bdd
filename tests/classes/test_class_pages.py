"""Pages: calendar views and filters, schedule builder, session page, QR pages, approvals, attendance export."""

import re
from datetime import date, time, timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import SessionFactory, TrainingClassFactory, confirmed, now_session, open_session

from yiwang.classes import selectors, services, tokens
from yiwang.classes.enums import ClassStatus
from yiwang.classes.models import CheckIn, Evaluation, Session, SignUp, TrainingClass
from yiwang.courses.models import TeachingModule
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def ids_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-session="(\d+)"', html)]


def test_calendar_week_month_and_list_views(network, visitor, client_for):
    day = timezone.localdate()
    session = open_session(network.city, day=day, title="城市治理现代化")
    client = client_for(visitor)
    for view in ("week", "month", "list"):
        html = text(client.get(f"/classes/?view={view}&date={day:%Y-%m-%d}"))
        assert ids_on(html) == [session.pk], view
        assert "城市治理现代化" in html
    assert "余 5 席" in text(client.get("/classes/"))


def test_calendar_filters(network, visitor, client_for):
    day = timezone.localdate() + timedelta(days=1)
    module = TeachingModule.objects.create(name="千年商都·枢纽门户", owner_school=network.city)
    a = open_session(network.city, day=day, module=module, form="field")
    b = open_session(network.branch_b, day=day, seats=1, scope=SharingScope.NETWORK)
    c = open_session(network.city, day=day, is_open=False, seats=0)
    confirmed(b, member(network.branch_a, is_teacher=True), network.branch_a)
    client = client_for(visitor)
    base = f"/classes/?view=list&date={day:%Y-%m-%d}"
    assert sorted(ids_on(text(client.get(base)))) == sorted([a.pk, b.pk, c.pk])
    assert ids_on(text(client.get(base + "&school=city-b"))) == [b.pk]
    assert ids_on(text(client.get(base + f"&module={module.pk}"))) == [a.pk]
    assert ids_on(text(client.get(base + "&form=field"))) == [a.pk]
    assert ids_on(text(client.get(base + "&open=1"))) == [a.pk]  # b is full, c is not open


def test_week_view_caps_each_day_and_links_the_rest(network, visitor, client_for):
    day = timezone.localdate()
    klass = TrainingClassFactory(owner_school=network.city)
    for hour in range(6, 20):
        SessionFactory(
            training_class=klass,
            date=day,
            start_time=time(hour),
            end_time=time(hour, 50),
            starts_at=services.local_datetime(day, time(hour)),
            ends_at=services.local_datetime(day, time(hour, 50)),
        )
    html = text(client_for(visitor).get(f"/classes/?date={day:%Y-%m-%d}"))
    assert len(ids_on(html)) == 12
    assert "还有 2 节 ›" in html
    assert "14 节" in html


def _add_week_sessions(klass, module, count, first_day):
    for n in range(count):
        d = first_day + timedelta(days=n % 7)
        SessionFactory(
            training_class=klass,
            date=d,
            module=module,
            start_time=time(8 + n // 7),
            end_time=time(8 + n // 7, 50),
            starts_at=services.local_datetime(d, time(8 + n // 7)),
            ends_at=services.local_datetime(d, time(8 + n // 7, 50)),
        )


def test_calendar_query_count_is_the_same_for_3_and_30_rows(network, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    klass = TrainingClassFactory(owner_school=network.city, scope=SharingScope.PARTNERS)
    klass.shared_alliances.add(network.alliance)
    module = TeachingModule.objects.create(name="模块", owner_school=network.city)
    client = client_for(member(network.far, is_teacher=True))

    def queries(view):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/classes/?view={view}&date={monday:%Y-%m-%d}")
        return len(captured), len(ids_on(text(response)))

    _add_week_sessions(klass, module, 3, monday)
    small = {view: queries(view) for view in ("week", "month", "list")}
    _add_week_sessions(klass, module, 27, monday + timedelta(days=3))
    large = {view: queries(view) for view in ("week", "month", "list")}
    for view in ("week", "month", "list"):
        assert small[view][0] == large[view][0] <= 17, view
    assert [small[v][1] for v in ("week", "month", "list")] == [3, 3, 3]
    in_week = Session.objects.filter(date__range=(monday, monday + timedelta(days=6))).count()
    in_month = Session.objects.filter(date__range=selectors.month_grid(monday)).count()
    assert [large[v][1] for v in ("week", "month", "list")] == [in_week, in_month, 30]


def test_school_scoped_class_never_leaks(network, client_for, django_assert_max_num_queries):
    """Leak test: a 本校 class of the city is invisible to a branch teacher everywhere."""
    day = timezone.localdate()
    hidden = open_session(network.city, scope=SharingScope.SCHOOL, day=day, title="内部课程甲")
    shared = open_session(
        network.city, scope=SharingScope.SYSTEM, day=day, hours=(14, 16), title="共享课程乙"
    )
    outsider_client = client_for(member(network.branch_a, is_teacher=True))
    for view in ("week", "month", "list"):
        html = text(outsider_client.get(f"/classes/?view={view}&date={day:%Y-%m-%d}"))
        assert ids_on(html) == [shared.pk]
        assert "内部课程甲" not in html
        assert "2 节" not in html  # counts come from visible rows only
    assert outsider_client.get(f"/classes/{hidden.training_class_id}/").status_code == 404
    assert outsider_client.get(f"/classes/sessions/{hidden.pk}/").status_code == 404
    assert outsider_client.post(f"/classes/sessions/{hidden.pk}/sign-up/").status_code == 404
    assert SignUp.objects.count() == 0
    api = outsider_client.get(f"/api/v1/classes/sessions?start={day:%Y-%m-%d}&end={day:%Y-%m-%d}").json()
    assert [s["id"] for s in api] == [shared.pk]
    assert outsider_client.get(f"/api/v1/classes/sessions/{hidden.pk}").status_code == 404
    assert outsider_client.get(f"/api/v1/classes/classes/{hidden.training_class_id}").status_code == 404
    assert hidden.training_class_id not in [
        c["id"] for c in outsider_client.get("/api/v1/classes/classes").json()
    ]
    insider = client_for(member(network.city, is_teacher=True))
    assert sorted(ids_on(text(insider.get(f"/classes/?date={day:%Y-%m-%d}")))) == sorted(
        [hidden.pk, shared.pk]
    )


def test_partner_scoped_class_reaches_alliance_but_not_strangers(network, client_for):
    klass = TrainingClassFactory(owner_school=network.city, scope=SharingScope.PARTNERS)
    klass.shared_alliances.add(network.alliance)
    session = open_session(network.city, training_class=klass)
    assert (
        client_for(member(network.far, is_teacher=True)).get(f"/classes/sessions/{session.pk}/").status_code
        == 200
    )
    assert (
        client_for(member(network.stranger, is_teacher=True))
        .get(f"/classes/sessions/{session.pk}/")
        .status_code
        == 404
    )


def test_schedule_builder_flow_in_pages(network, staff, client_for):
    client = client_for(staff)
    start = date(2026, 12, 7)
    response = client.post(
        "/classes/new/",
        {
            "school": "city",
            "name": "师资培训专题工作坊",
            "kind": "faculty",
            "start_date": "2026-12-07",
            "end_date": "2026-12-09",
            "trainee_count": 30,
            "scope": "system",
        },
    )
    klass = TrainingClass.objects.get(name="师资培训专题工作坊")
    assert response.status_code == 302 and response["Location"] == f"/classes/{klass.pk}/"
    session_data = {
        "date": "2026-12-07",
        "start_time": "09:00",
        "end_time": "11:30",
        "title": "如何上好一堂专题课",
        "place": "报告厅",
        "form": "lecture",
        "is_open": "on",
        "visiting_seats": "20",
    }
    assert client.post(f"/classes/{klass.pk}/sessions/new/", session_data).status_code == 302
    bad = client.post(f"/classes/{klass.pk}/sessions/new/", {**session_data, "end_time": "08:00"})
    assert "结束时间必须晚于开始时间。" in text(bad)
    client.post(
        f"/classes/{klass.pk}/sessions/new/", {**session_data, "title": "同场地撞车", "start_time": "10:00"}
    )
    html = text(client.get(f"/classes/{klass.pk}/"))
    assert "发现 1 处冲突" in html and "场地“报告厅”冲突" in html
    follow = client.post(f"/classes/{klass.pk}/publish/", follow=True)
    assert "课程表存在 1 处时间冲突" in text(follow)
    clash = Session.objects.get(title="同场地撞车")
    client.post(
        f"/classes/sessions/{clash.pk}/move/",
        {"date": "2026-12-08", "start_time": "14:30", "end_time": "17:00"},
    )
    assert "未发现教师或场地时间冲突。" in text(client.get(f"/classes/{klass.pk}/"))
    client.post(f"/classes/{klass.pk}/copy-day/", {"from_date": "2026-12-07", "to_date": "2026-12-09"})
    assert klass.sessions.filter(date=start + timedelta(days=2)).count() == 1
    follow = client.post(f"/classes/{klass.pk}/publish/", follow=True)
    assert "班次已发布" in text(follow)
    klass.refresh_from_db()
    assert klass.status == ClassStatus.PUBLISHED


def test_builder_pages_refused_to_others(network, visitor, client_for):
    klass = TrainingClassFactory(owner_school=network.city, status=ClassStatus.PUBLISHED)
    client = client_for(visitor)
    assert client.get("/classes/manage/").status_code == 403
    assert client.get(f"/classes/{klass.pk}/sessions/new/").status_code == 403
    assert client.post(f"/classes/{klass.pk}/publish/", follow=True).status_code == 200
    assert "只有本校教务、培训部门或学校管理员" in text(
        client.post(f"/classes/{klass.pk}/finish/", follow=True)
    )
    klass.refresh_from_db()
    assert klass.status == ClassStatus.PUBLISHED


def test_sign_up_from_session_page_and_full_message(network, client_for):
    session = open_session(network.city, seats=1)
    first = client_for(member(network.branch_a, is_teacher=True))
    assert "报名成功，席位已确认。" in text(
        first.post(f"/classes/sessions/{session.pk}/sign-up/", follow=True)
    )
    second = client_for(member(network.branch_b, is_teacher=True))
    html = text(second.post(f"/classes/sessions/{session.pk}/sign-up/", follow=True))
    assert "旁听席位已满，您已进入候补名单第 1 位" in html
    assert "候补（候补第 1 位）" in html


def test_qr_image_only_for_the_owner_school(network, staff, visitor, client_for):
    session = open_session(network.city)
    svg = client_for(staff).get(f"/classes/sessions/{session.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = client_for(staff).get(f"/classes/sessions/{session.pk}/qr.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client_for(visitor).get(f"/classes/sessions/{session.pk}/qr.svg").status_code == 403


def test_qr_landing_check_in_and_anonymous_rating(network, visitor, client, client_for):
    cache.clear()
    session = now_session(network.city, title="党的二十届四中全会精神解读")
    confirmed(session, visitor, network.branch_a)
    token = tokens.qr_token(session)
    page = client.get(f"/classes/q/{token}/")
    assert page.status_code == 200 and "请先<a" in text(page)
    ticket = re.search(r'name="ticket" value="([^"]+)"', text(page)).group(1)
    scores = {
        "relevance": 18,
        "theory": 18,
        "information": 17,
        "delivery": 19,
        "manner": 20,
        "comment": "很受启发",
    }
    done = client.post(f"/classes/q/{token}/rate/", {**scores, "ticket": ticket}, follow=True)
    assert "感谢评课！您的评价已提交。" in text(done) and "您已评价过这堂课" in text(done)
    again = client.post(f"/classes/q/{token}/rate/", {**scores, "ticket": ticket})
    assert again.status_code == 409 and "每人每堂课只能评价一次" in text(again)
    assert Evaluation.objects.count() == 1
    phone = Client()  # another phone, with its device cookie
    phone.get(f"/classes/q/{token}/")
    forged = phone.post(f"/classes/q/{token}/rate/", {**scores, "ticket": "forged"})
    assert forged.status_code == 400 and "评课凭证无效，请重新扫描教室里的二维码" in text(forged)
    signed_in = client_for(visitor)
    html = text(signed_in.post(f"/classes/q/{token}/check-in/", follow=True))
    assert "签到成功" in html and "计入学时 2.5 小时" in html
    assert CheckIn.objects.get().sign_up.user == visitor


def test_bad_qr_link_shows_chinese_message(client):
    response = client.get("/classes/q/999:abc:def/")
    assert response.status_code == 400
    assert "二维码无效或已过期，请重新扫描教室里展示的二维码。" in text(response)


def test_bad_scores_from_phone_show_field_message(network, client):
    cache.clear()
    session = now_session(network.city)
    token = tokens.qr_token(session)
    ticket = re.search(r'name="ticket" value="([^"]+)"', text(client.get(f"/classes/q/{token}/"))).group(1)
    response = client.post(
        f"/classes/q/{token}/rate/",
        {"relevance": 30, "theory": 10, "information": 10, "delivery": 10, "manner": 10, "ticket": ticket},
    )
    assert response.status_code == 400
    assert "“现实针对性”请打 0–20 分之间的整数。" in text(response)
    assert Evaluation.objects.count() == 0


def test_approvals_page_for_home_school_staff(network, visitor, branch_staff, client_for):
    session = open_session(network.city, requires_approval=True)
    entry = services.sign_up(by=visitor, session_id=session.pk)
    client = client_for(branch_staff)
    assert session.title in text(client.get("/classes/approvals/"))
    html = text(client.post(f"/classes/sign-ups/{entry.pk}/approve/", follow=True))
    assert "已批准" in html and "已确认" in html
    assert (
        client_for(member(network.branch_b, is_training_staff=True))
        .post(f"/classes/sign-ups/{entry.pk}/reject/")
        .status_code
        == 404
    )


def test_attendance_page_and_xlsx_export(network, visitor, branch_staff, client_for):
    from openpyxl import load_workbook

    session = now_session(network.city, title="数字政府建设")
    confirmed(session, visitor, network.branch_a)
    services.check_in(by=visitor, qr=tokens.qr_token(session))
    other_school_teacher = member(network.branch_b, is_teacher=True)
    confirmed(session, other_school_teacher, network.branch_b)
    services.check_in(by=other_school_teacher, qr=tokens.qr_token(session))
    client = client_for(branch_staff)
    html = text(client.get("/classes/attendance/"))
    assert visitor.full_name in html and other_school_teacher.full_name not in html
    response = client.get("/classes/attendance.xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "所在学校",
        "姓名",
        "用户名",
        "日期",
        "时间",
        "课程",
        "班次",
        "主办学校",
        "签到时间",
        "学时",
    )
    assert len(rows) == 2
    assert rows[1][:3] == ("甲区", visitor.full_name, visitor.username)
    assert (rows[1][5], rows[1][7], rows[1][9]) == ("数字政府建设", "测试市", 2.5)
    assert client_for(visitor).get("/classes/attendance.xlsx").status_code == 403


def test_mine_page_creates_and_revokes_a_feed(network, visitor, client_for):
    client = client_for(visitor)
    html = text(client.post("/classes/feeds/new/", {"kind": "person"}, follow=True))
    url = re.search(r'id="new-feed-url">([^<]+)<', html).group(1)
    assert url.startswith("http://testserver/classes/ical/cal_") and url.endswith(".ics")
    assert client.get(url.replace("http://testserver", "")).status_code == 200
    token = visitor.calendar_tokens.get()
    client.post(f"/classes/feeds/{token.pk}/revoke/")
    assert client.get(url.replace("http://testserver", "")).status_code == 404


def test_topic_and_teacher_includes_render(network, visitor, rf):
    from django.template.loader import render_to_string
    from tests.factories.classes import TeacherFactory, TopicFactory

    teacher = TeacherFactory(owner_school=network.city, user=visitor)
    topic = TopicFactory(owner_school=network.city)
    session = now_session(network.city, teacher=teacher, topic=topic, title="示范课")
    cache.clear()
    services.submit_evaluation(
        qr=tokens.qr_token(session),
        scores={k: 18 for k in ("relevance", "theory", "information", "delivery", "manner")},
        device_id="x",
        ticket=services.issue_rating_ticket(session),
    )
    html = render_to_string("classes/includes/topic_evaluations.html", {"topic": topic})
    assert "90.0" in html and "（1 份评价）" in html and "现实针对性" in html
    html = render_to_string(
        "classes/includes/teacher_evaluations.html", {"teacher": teacher, "user": visitor}
    )
    assert "90.0" in html and "示范课" in html and "教风教态" in html
    stranger = member(network.stranger)
    html = render_to_string(
        "classes/includes/teacher_evaluations.html", {"teacher": teacher, "user": stranger}
    )
    assert "90.0" in html and "示范课" not in html and "教风教态" not in html

"""同听一堂课 in a real browser: municipal staff publish a class with an open session → a 番禺
teacher finds it on the calendar and signs up → checks in on the phone through the QR URL →
rates it → the rating shows on the lecturer's topic page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.classes import TeacherFactory, TopicFactory

from yiwang.classes.models import CheckIn, Evaluation, Session, SignUp
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db(transaction=True)

SCORES = {"relevance": "18", "theory": "17", "information": "19", "delivery": "18", "manner": "20"}  # 92


def pick(page, box: str, typed: str, choice: str) -> None:
    """A search-as-you-type picker: type, wait for the options, choose one by its text."""
    page.fill(box, "")
    page.type(box, typed)
    option = page.locator(f"{box}-options [role=option]", has_text=choice).first
    option.wait_for()
    assert page.get_attribute(box, "aria-expanded") == "true"
    option.click()
    assert page.input_value(box).startswith(choice)
    assert page.locator(f"{box}-options [role=option]").count() == 0


def tap_score(page, name: str, value: str) -> None:
    """评课 is one tap per indicator: the score's button is a 44 px target on a phone."""
    label = page.locator(f"label[for='id_{name}_{value}']")
    box = label.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    label.tap()
    assert page.locator(f"#id_{name}_{value}").is_checked()


@pytest.fixture
def people():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    staff = UserFactory(username="gz-staff", full_name="苏明哲")
    MembershipFactory(user=staff, school=gz, is_teaching_staff=True, is_training_staff=True)
    teacher = UserFactory(username="gz-panyu-t1", full_name="林晓东")
    MembershipFactory(user=teacher, school=panyu, is_teacher=True)
    lecturer = TeacherFactory(owner_school=gz, name="陈思源", scope=SharingScope.NETWORK)
    topic = TopicFactory(owner_school=gz, title="粤港澳大湾区建设的广州实践", scope=SharingScope.NETWORK)
    topic.teachers.add(lecturer)
    return topic


def lesson_begins(session: Session) -> None:
    """Time passes: the lesson starts (started 10 minutes ago, on today's date)."""
    now = timezone.localtime()
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0, second=0, microsecond=0))
    end = min(start + timedelta(minutes=90), now.replace(hour=23, minute=59, second=0, microsecond=0))
    Session.objects.filter(pk=session.pk).update(
        date=start.date(), start_time=start.time(), end_time=end.time(), starts_at=start, ends_at=end
    )


def test_open_class_whole_flow(page, phone_page, browser, live_server, people):
    topic = people
    csp_errors = []
    for p in (page, phone_page):
        p.on(
            "console",
            lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
    tomorrow = timezone.localdate() + timedelta(days=1)

    # 1. Municipal staff build and publish a class with one open session.
    sign_in(page, "gz-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/classes/manage/")
    page.click("text=新建广州班次")
    page.fill("#id_name", "2026年秋季学期中青年干部培训班（第33期）")
    page.select_option("#id_kind", "young")
    page.fill("#id_start_date", tomorrow.isoformat())
    page.fill("#id_end_date", (tomorrow + timedelta(days=10)).isoformat())
    page.fill("#id_trainee_count", "45")
    page.select_option("#id_scope", "system")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=请添加课程安排")
    page.click("a.btn:has-text('添加课程')")
    page.fill("#id_date", tomorrow.isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:30")
    pick(page, "#id_topic", topic.title[:4], topic.title)
    pick(page, "#id_teacher", "陈思源", "陈思源")
    page.fill("#id_place", "主楼第一报告厅")
    page.check("#id_is_open")
    page.fill("#id_visiting_seats", "10")
    page.click("button:has-text('保存')")
    page.wait_for_selector(f"text=已添加课程《{topic.title}》")
    assert page.inner_text("#conflicts").strip().endswith("未发现教师或场地时间冲突。")
    page.click("#publish")
    page.wait_for_selector("text=班次已发布，课程表已对共享范围内的学校可见。")
    assert page.inner_text("#class-status") == "发布"
    session = Session.objects.get(title=topic.title)

    # 2. A 番禺 teacher finds it on the calendar (open seats only) and signs up.
    desk = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    teacher_page = desk.new_page()
    teacher_page.base_url = live_server.url
    sign_in(teacher_page, "gz-panyu-t1")
    teacher_page.wait_for_selector("h1:has-text('欢迎')")
    teacher_page.click("nav.main-nav >> text=课程表与开放课堂")
    teacher_page.wait_for_selector("h1:has-text('课程表与开放课堂')")
    teacher_page.goto(f"{live_server.url}/classes/?open=1&date={tomorrow.isoformat()}")
    item = teacher_page.locator(f"a.cal-item[data-session='{session.pk}']")
    assert "余 10 席" in item.inner_text()
    screenshot(teacher_page, "calendar")
    item.click()
    teacher_page.click("#sign-up")
    teacher_page.wait_for_selector("text=报名成功，席位已确认。")
    assert teacher_page.inner_text("#my-status") == "已确认"
    assert SignUp.objects.get(session=session).user.username == "gz-panyu-t1"

    # 3. The lesson begins; staff show the QR code; the teacher checks in on the phone.
    lesson_begins(session)
    page.goto(f"{page.base_url}/classes/sessions/{session.pk}/qr/")
    assert page.locator("img[alt='签到与评课二维码']").evaluate("img => img.naturalWidth") > 0
    qr_url = page.inner_text("#qr-url").strip()
    assert qr_url.startswith(f"{live_server.url}/classes/q/")
    sign_in(phone_page, "gz-panyu-t1")
    phone_page.wait_for_selector("h1:has-text('欢迎')")
    phone_page.goto(qr_url)
    phone_page.click("#check-in-button")
    phone_page.wait_for_selector("#checked-in")
    assert phone_page.inner_text("#checked-in").startswith("已签到")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "session-checkin-phone")
    assert CheckIn.objects.get().hours == session.credit_hours

    # 4. …and rates it.
    for name, value in SCORES.items():
        tap_score(phone_page, name, value)
    phone_page.fill("#id_comment", "结合广州实际，案例鲜活。")
    screenshot(phone_page, "evaluation-phone")
    phone_page.click("#rate-button")
    phone_page.wait_for_selector("text=感谢评课！您的评价已提交。")
    assert phone_page.is_visible("#rated")
    assert Evaluation.objects.get().total == 92

    # 5. The rating shows on the lecturer's topic in the topic bank.
    teacher_page.goto(f"{live_server.url}/topics/{topic.pk}/")
    panel = teacher_page.inner_text("#topic-evaluations")
    assert "92.0" in panel and "（1 份评价）" in panel
    desk.close()
    assert csp_errors == []


def test_trainee_rates_from_phone_without_signing_in(phone_page, people):
    """A trainee opens the QR link on a phone, with no account, and rates once."""
    from tests.factories.classes import now_session

    from yiwang.classes import tokens

    session = now_session(people.owner_school, title="超大城市基层治理现代化")
    phone_page.goto(f"{phone_page.base_url}/classes/q/{tokens.qr_token(session)}/")
    assert "旁听教师请先" in phone_page.inner_text("#check-in")
    for name, value in SCORES.items():
        tap_score(phone_page, name, value)
    phone_page.click("#rate-button")
    phone_page.wait_for_selector("#rated")
    phone_page.reload()
    assert phone_page.is_visible("#rated")  # the device cookie remembers the rating
    assert Evaluation.objects.filter(session=session).count() == 1
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

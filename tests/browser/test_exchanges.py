"""交流协作 in a real browser: a district school asks for a 广州 teacher — the conflict is shown,
a second date is sent and accepted, and the session appears on the calendar; a partner school
follows the plan of the class 广州 hosts for it, live, as sessions are added."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.classes import SessionFactory, TeacherFactory, TrainingClassFactory, at

from yiwang.classes import services as class_services
from yiwang.exchanges.models import Dispatch
from yiwang.exchanges.services import accept_request
from yiwang.exchanges.services import hosting as hosting_services
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db(transaction=True)


def _weekday(start):
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def gz():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州", city="广州市")
    staff = UserFactory(username="gz-staff", full_name="苏明哲")
    MembershipFactory(user=staff, school=gz, is_teaching_staff=True, is_training_staff=True)
    return gz


def test_district_school_requests_a_guangzhou_teacher(page, browser, live_server, gz):
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    staff = UserFactory(username="gz-panyu-staff", full_name="黄嘉欣")
    MembershipFactory(user=staff, school=panyu, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=gz, name="陈思源", scope=SharingScope.NETWORK)
    klass = TrainingClassFactory(owner_school=panyu, name="番禺区科级干部进修班", scope=SharingScope.SYSTEM)
    busy = _weekday(timezone.localdate() + timedelta(days=4))
    own = TrainingClassFactory(owner_school=gz, name="广州主体班")
    SessionFactory(
        training_class=own,
        teacher=teacher,
        date=busy,
        start_time=time(9),
        end_time=time(11, 30),
        starts_at=at(busy, 9),
        ends_at=at(busy, 11, 30),
        title="广州主体班专题课",
    )
    free = _weekday(busy + timedelta(days=1))

    # 1. 番禺 asks for 陈思源 on a day he already teaches: the conflict is shown before sending.
    sign_in(page, "gz-panyu-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/exchanges/")
    page.click("#new-dispatch")
    page.select_option("#id_pick_to", "gz")
    page.click("#pick-to-school button")
    page.select_option("#id_to_school", str(gz.pk))
    page.select_option("#id_teacher", str(teacher.pk))
    page.fill("#id_topic_title", "粤港澳大湾区建设的广州实践")
    page.fill("#id_date", busy.isoformat())
    page.fill("#id_start_time", "09:30")
    page.fill("#id_end_time", "11:30")
    page.fill("#id_place", "番禺区委党校报告厅")
    page.select_option("#id_training_class", str(klass.pk))
    page.click("#check-conflicts")
    page.wait_for_selector("#conflicts li")
    assert f"陈思源在 {busy:%Y-%m-%d} 09:00–11:30 已有授课安排" in page.inner_text("#conflicts")
    screenshot(page, "exchanges-dispatch-conflict")

    # 2. A second date: no conflict, sent.
    page.fill("#id_date", free.isoformat())
    page.click("#check-conflicts")
    page.wait_for_selector("#no-conflict")
    page.click("#send-dispatch")
    page.wait_for_selector("text=师资派出请求已发送。")
    dispatch = Dispatch.objects.get()

    # 3. 广州 accepts from its inbox; the session is created in 番禺's class.
    gz_context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    gz_page = gz_context.new_page()
    gz_page.set_default_timeout(15000)
    gz_page.base_url = live_server.url
    sign_in(gz_page, "gz-staff")
    gz_page.wait_for_selector("h1:has-text('欢迎')")
    gz_page.goto(live_server.url + "/exchanges/")
    gz_page.click("text=陈思源：粤港澳大湾区建设的广州实践")
    gz_page.fill("#request-actions form:has(#action-accepted) input[name=note]", "同意派出")
    gz_page.click("#action-accepted")
    gz_page.wait_for_selector("#dispatch-session")
    screenshot(gz_page, "exchanges-dispatch-accepted")
    gz_context.close()
    dispatch.refresh_from_db()
    assert dispatch.session.date == free and dispatch.session.teacher == teacher

    # 4. On the calendar.
    page.goto(f"{page.base_url}/classes/?date={free.isoformat()}")
    page.wait_for_selector("text=粤港澳大湾区建设的广州实践")
    screenshot(page, "exchanges-calendar")


def test_partner_school_follows_its_hosted_class_plan(page, live_server, gz, settings):
    settings.EXCHANGES_PLAN_POLL_SECONDS = 1
    bomi = SchoolFactory(
        code="bm",
        name="中共波密县委党校",
        short_name="波密",
        province="西藏自治区",
        city="林芝市",
        level="county",
    )
    guest = UserFactory(username="bm-staff", full_name="扎西")
    MembershipFactory(user=guest, school=bomi, is_training_staff=True)
    from yiwang.accounts.models import User

    host = User.objects.get(username="gz-staff")
    start = timezone.localdate() + timedelta(days=14)
    hosting = hosting_services.open_hosting(
        by=guest,
        from_school=bomi,
        to_school=gz,
        title="波密县青年干部培训班",
        start_date=start,
        end_date=start + timedelta(days=9),
        planned_trainees=30,
    )
    accept_request(by=host, request=hosting.request)
    hosting.refresh_from_db()
    class_services.add_session(
        by=host,
        training_class=hosting.training_class,
        date=start,
        start_time=time(9),
        end_time=time(11, 30),
        title="开班式暨专题讲座",
        place="主楼报告厅",
    )

    sign_in(page, "bm-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/exchanges/hosted/")
    page.click("text=波密县青年干部培训班")
    page.wait_for_selector("#plan >> text=开班式暨专题讲座")
    assert "编排中（草稿）" in page.inner_text("#plan-status")

    # The host adds a field-teaching session and publishes: the guest's open page follows.
    class_services.add_session(
        by=host,
        training_class=hosting.training_class,
        date=start + timedelta(days=1),
        start_time=time(14, 30),
        end_time=time(17),
        title="现场教学：广州起义烈士陵园",
        form="field",
        place="广州起义烈士陵园",
    )
    class_services.publish_class(by=host, training_class=hosting.training_class)
    page.wait_for_selector("#plan >> text=现场教学：广州起义烈士陵园", timeout=10000)
    page.wait_for_selector("#plan-status:has-text('已发布')")
    screenshot(page, "exchanges-hosted-plan")

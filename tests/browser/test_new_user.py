"""What a new user trips on (issue 10), in a real browser: Chinese error pages with a way
back, the home page's waiting work / next sessions / search box, 公开 items without signing
in, and cancelling a session after check-ins (a reason, a confirmation, no 学时)."""

import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.classes import confirmed, now_session, open_session
from tests.factories.search import make_teacher

from yiwang.classes import services as classes
from yiwang.classes import tokens
from yiwang.classes.models import Session
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def warm_server(live_server):
    """The live server's first page loads every app (and the search dictionary): on a busy
    2-core machine that can take longer than a page's 15 s timeout, so load it once first."""
    from urllib.request import urlopen

    with urlopen(live_server.url + "/accounts/login/", timeout=180) as response:
        response.read()


@pytest.fixture
def schools():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    staff = UserFactory(username="gz-staff", full_name="苏明哲")
    MembershipFactory(user=staff, school=gz, is_teaching_staff=True, is_training_staff=True)
    approver = UserFactory(username="gz-panyu-staff", full_name="何敏")
    MembershipFactory(user=approver, school=panyu, is_training_staff=True)
    teacher = UserFactory(username="gz-panyu-t1", full_name="林晓东")
    MembershipFactory(user=teacher, school=panyu, is_teacher=True)
    return gz, panyu, staff, approver, teacher


def test_unknown_page_is_chinese_in_the_site_layout_with_a_way_back(page, schools):
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎')")
    response = page.goto(page.base_url + "/classes/sessions/424242/")
    assert response.status == 404
    assert page.title() == "页面不存在 · 一网 党校资源共享平台"
    assert page.inner_text("main h1") == "页面不存在"
    assert page.locator("header.site-header").count() == 1
    screenshot(page, "error-404")
    page.click("main a:has-text('返回首页')")
    page.wait_for_selector("h1:has-text('欢迎，林晓东')")


def test_home_shows_waiting_work_next_sessions_and_a_search_box(page, schools):
    gz, panyu, staff, approver, teacher = schools
    session = open_session(gz, requires_approval=True, title="粤港澳大湾区建设的广州实践")
    classes.sign_up(by=teacher, session_id=session.pk)
    sign_in(page, "gz-panyu-staff")
    page.wait_for_selector("h1:has-text('欢迎，何敏')")
    waiting = page.locator("#waiting")
    assert waiting.locator("h3").inner_text() == "旁听报名待审批 1"
    assert waiting.locator("li").inner_text() == "林晓东（番禺）旁听《粤港澳大湾区建设的广州实践》"
    screenshot(page, "home-waiting")
    page.fill("#home-q", "大湾区")
    page.click("#home-search button")
    page.wait_for_url("**/search/?q=*")
    assert page.input_value("input[name=q]") == "大湾区"
    # the teacher's home: her request waits, the session is her next one
    page.context.clear_cookies()
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎，林晓东')")
    assert page.locator("#waiting h3").inner_text() == "我的报名待确认 1"
    assert "粤港澳大湾区建设的广州实践" in page.inner_text("#next-sessions")
    assert "旁听 · 待审批" in page.inner_text("#next-sessions")


def test_a_public_teacher_opens_without_signing_in_and_without_contacts(page, schools):
    gz = schools[0]
    public = make_teacher(gz, "陈思源", scope=SharingScope.PUBLIC, phone="13800001234")
    hidden = make_teacher(gz, "周未公开", scope=SharingScope.NETWORK)
    page.goto(page.base_url + f"/faculty/{public.pk}/")
    assert page.inner_text("main h1").startswith("陈思源")
    assert page.locator("#teacher-phone").count() == 0
    assert page.locator("header a:has-text('登录')").count() == 1
    screenshot(page, "public-teacher")
    page.goto(page.base_url + f"/faculty/{hidden.pk}/")
    assert "/accounts/login/?next=" in page.url


def test_cancelling_a_session_with_check_ins_asks_for_a_reason_and_confirmation(page, schools):
    gz, panyu, staff, approver, teacher = schools
    session = now_session(gz, title="新时代基层治理", credit_hours=3)
    confirmed(session, teacher, panyu)
    classes.check_in(by=teacher, qr=tokens.qr_token(session))
    sign_in(page, "gz-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + f"/classes/sessions/{session.pk}/")
    page.click("#cancel-session")
    page.wait_for_selector("#cancel-effects")
    effects = page.inner_text("#cancel-effects")
    assert "通知已报名的 1 人（每人一次）" in effects
    assert "已签到的 1 人不再计入这节课的 3.0 学时" in effects
    screenshot(page, "session-cancel-confirm")
    page.click("#confirm-cancel")  # no reason: the browser's own check, then ours
    assert Session.objects.get(pk=session.pk).is_cancelled is False
    page.fill("#id_reason", "讲师临时出差")
    page.click("#confirm-cancel")
    page.wait_for_selector("#cancelled-note")
    assert Session.objects.get(pk=session.pk).is_cancelled is True
    assert "课程已取消。已通知 1 位报名人员。" in page.inner_text(".messages")


def test_empty_choice_of_a_select_is_chinese(page, schools):
    gz = schools[0]
    klass = open_session(gz).training_class
    sign_in(page, "gz-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + f"/classes/{klass.pk}/sessions/new/")
    assert page.inner_text("#id_module option[value='']") == "- 请选择 -"


def test_cancelling_a_sign_up_asks_first_and_says_what_happens(page, schools):
    gz, panyu, staff, approver, teacher = schools
    session = open_session(gz, title="广州红色文化资源的保护与利用")
    classes.sign_up(by=teacher, session_id=session.pk)
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + f"/classes/sessions/{session.pk}/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("#sign-up-box button:has-text('取消报名')")
    assert asked == ["取消这节课的报名？席位会让给候补的人，重新报名须重新排队。"]
    assert page.inner_text("#my-status") == "已确认"
    page.once("dialog", lambda d: answer(d, True))
    page.click("#sign-up-box button:has-text('取消报名')")
    page.wait_for_selector("#sign-up")
    assert len(asked) == 2


def _people_sheet(rows) -> dict:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["用户名", "姓名", "初始密码", "电子邮箱", "手机", "学校管理员", "教务", "培训", "科研", "教师"]
    )
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {
        "name": "番禺人员.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": buffer.getvalue(),
    }


def test_school_admin_adds_a_person_gives_capabilities_deactivates_and_imports(page, schools):
    from yiwang.network.models import Membership

    gz, panyu, *_ = schools
    admin = UserFactory(username="gz-panyu-admin", full_name="郑立")
    MembershipFactory(user=admin, school=panyu, is_school_admin=True)
    UserFactory(username="gz-new-teacher", full_name="黄新")
    sign_in(page, "gz-panyu-admin")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/network/schools/gz-panyu/people/")
    # add an existing account as a teacher
    page.fill("#id_username", "gz-new-teacher")
    page.check("#id_is_teacher")
    page.click("button:has-text('加入本校')")
    page.wait_for_selector("text=已将“黄新”加入番禺。")
    row = page.locator("tr", has_text="gz-new-teacher")
    # give 教务 as well
    row.locator("label:has-text('教务') input").check()
    row.locator("button:has-text('保存权限')").click()
    page.wait_for_load_state()
    membership = Membership.objects.get(user__username="gz-new-teacher", school=panyu)
    assert (membership.is_teacher, membership.is_teaching_staff) == (True, True)
    # deactivate, after the confirmation
    page.once("dialog", lambda d: d.accept())
    page.locator("tr", has_text="gz-new-teacher").locator("button:has-text('停用')").click()
    page.wait_for_selector("tr:has-text('gz-new-teacher') >> text=已停用")
    assert Membership.objects.get(pk=membership.pk).is_active is False
    # import: a bad file changes nothing and lists every problem; the fixed one adds everyone
    page.click("#people-import")
    page.set_input_files(
        "#id_file", _people_sheet([["gz-panyu-t7", "", "", "", "", "否", "否", "否", "否", "是"]])
    )
    page.click("button:has-text('检查并导入')")
    page.wait_for_selector("#import-report")
    assert page.inner_text("#report-title") == "未导入：共 1 行，发现 2 处问题"
    screenshot(page, "people-import-problems")
    assert not Membership.objects.filter(user__username="gz-panyu-t7").exists()
    page.set_input_files(
        "#id_file",
        _people_sheet([["gz-panyu-t7", "吴敏", "Lizhi#Panyu2026", "", "", "否", "否", "否", "否", "是"]]),
    )
    page.click("button:has-text('检查并导入')")
    page.wait_for_selector("text=已导入 1 人到番禺。")
    assert Membership.objects.get(user__username="gz-panyu-t7", school=panyu).is_teacher is True

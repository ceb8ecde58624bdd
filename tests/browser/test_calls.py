"""共研一个题 in a real browser: the municipal office publishes a call → a district teacher applies
with a teacher of another school on the team → the member confirms → the home school approves →
the office passes the formal check and invites an expert → the expert reviews through the signed
link (no account) → grant → 开题 passed → a 咨政报告 with a 批示 → the office verifies → it
counts in the ranking."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.faculty import TeacherFactory

from yiwang.calls.models import Application
from yiwang.network.enums import SharingScope
from yiwang.research.models import Endorsement
from yiwang.reviews.services import create_rubric

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4 browser test"


@pytest.fixture
def people(tmp_path):
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    xuyong = SchoolFactory(
        code="lz-xuyong", name="中共叙永县委党校", short_name="叙永", level="county", province="四川省"
    )
    staff = UserFactory(username="gz-staff", full_name="苏明哲")
    MembershipFactory(user=staff, school=gz, is_research_staff=True, is_teaching_staff=True)
    home = UserFactory(username="gz-panyu-staff", full_name="何静怡")
    MembershipFactory(user=home, school=panyu, is_research_staff=True)
    teacher = UserFactory(username="gz-panyu-t1", full_name="林晓东")
    MembershipFactory(user=teacher, school=panyu, is_teacher=True)
    TeacherFactory(owner_school=panyu, name="林晓东", user=teacher, scope=SharingScope.NETWORK)
    partner = UserFactory(username="lz-xuyong-t1", full_name="罗文川")
    MembershipFactory(user=partner, school=xuyong, is_teacher=True)
    TeacherFactory(owner_school=xuyong, name="罗文川", user=partner, scope=SharingScope.NETWORK)
    create_rubric(
        by=staff,
        school=gz,
        name="新型智库课题评审量表",
        purpose="research",
        indicators=[{"name": "选题意义", "weight": 50}, {"name": "研究设计", "weight": 50}],
    )
    files = {}
    for name in ("申报书.pdf", "开题报告.pdf", "批示件.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF)
        files[name] = str(path)
    return files


def new_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


def test_research_call_whole_flow(page, browser, live_server, people):
    files = people
    opens = timezone.localtime() - timedelta(hours=1)
    closes = timezone.localtime() + timedelta(days=20)

    # 1. The municipal research office publishes a 本系统 call.
    sign_in(page, "gz-staff")
    page.goto(page.base_url + "/calls/new/")
    page.fill("#id_title", "2026年度新型智库课题")
    page.select_option("#id_kind", "think_tank")
    page.fill("#id_year", "2026")
    page.fill("#id_guide_topics", "超大城市基层治理\n城乡融合发展")
    page.fill("#id_funding_pool", "20")
    page.fill("#id_per_project_cap", "5")
    page.fill("#id_opens_at", opens.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_rubric", label="新型智库课题评审量表")
    page.click("#call-form button[type=submit]")
    page.click("form[action$='/publish/'] button")
    page.wait_for_selector("#call-phase:has-text('申报中')")
    call_url = page.url
    screenshot(page, "calls-call")

    # 2. A 番禺 teacher applies with a 叙永 teacher on the team.
    teacher = new_page(browser, live_server)
    sign_in(teacher, "gz-panyu-t1")
    teacher.goto(call_url)
    teacher.click("text=我要申报")
    teacher.fill("#id_title", "大湾区城乡融合中的基层治理创新研究")
    teacher.select_option("#id_guide_topic", label="超大城市基层治理")
    teacher.fill("#id_summary", "以城乡结合部为样本的比较研究。")
    teacher.select_option("#id_members", label="罗文川（叙永）")
    teacher.fill("#id_budget_total", "4")
    teacher.select_option("#id_line_1_category", "travel")
    teacher.fill("#id_line_1_amount", "3")
    teacher.select_option("#id_line_2_category", "materials")
    teacher.fill("#id_line_2_amount", "1")
    teacher.click("#application-form button[type=submit]")
    teacher.wait_for_selector("#application-status:has-text('草稿')")
    app_url = teacher.url
    teacher.set_input_files("#id_file-file", files["申报书.pdf"])
    teacher.click("#file-form button[type=submit]")
    teacher.wait_for_selector("#file-list:has-text('申报书.pdf')")

    partner = new_page(browser, live_server)
    sign_in(partner, "lz-xuyong-t1")
    partner.goto(app_url)
    partner.click("#confirm-membership")
    partner.wait_for_selector("text=已确认加入课题组")
    partner.context.close()

    teacher.goto(app_url)
    teacher.click("#submit-application")
    teacher.wait_for_selector("#application-status:has-text('待所在单位审核')")
    screenshot(teacher, "calls-application")

    # 3. The home school approves; the office passes the formal check and invites an expert.
    home = new_page(browser, live_server)
    sign_in(home, "gz-panyu-staff")
    home.goto(app_url)
    home.click("#home-approve")
    home.wait_for_selector("#application-status:has-text('待形式审查')")
    home.context.close()

    page.goto(app_url)
    page.click("#check-pass")
    page.wait_for_selector("#application-status:has-text('专家评审')")
    page.fill("#id_invite-name", "郑怀瑾")
    page.fill("#id_invite-affiliation", "广东省社会科学院")
    page.click("#invite-form button[type=submit]")
    link = page.get_attribute("#invite-url", "href")

    # 4. The expert reviews through the link, without an account (blind: no team names).
    expert = new_page(browser, live_server)
    expert.goto(link)
    expert.wait_for_selector("#blind-note")
    body = expert.inner_text("main")
    assert "林晓东" not in body and "罗文川" not in body and "叙永" not in body and "番禺" not in body, body
    # Screenshots are taken before a form is used: a full-page screenshot resizes the page and
    # back, after which Chromium drops the next click on a button of a long page.
    screenshot(expert, "calls-expert-review")
    inputs = expert.locator("#score-form input[name^=score_]")
    inputs.nth(0).fill("9")
    inputs.nth(1).fill("8")
    with expert.expect_navigation():
        expert.click("#submit-review")
    expert.wait_for_selector("#expert-message:has-text('加权得分 85.00')")
    expert.goto(link)
    expert.wait_for_selector("#expert-message:has-text('已使用过')")
    expert.context.close()

    # 5. Grant from the review ranking.
    page.goto(call_url.rstrip("/") + "/review-ranking/")
    page.wait_for_selector("#review-ranking:has-text('85.00')")
    with page.expect_navigation():
        page.locator("#review-ranking button.grant").first.click()
    page.wait_for_selector("#review-ranking:has-text('立项 4.00 万元')")
    screenshot(page, "calls-review-ranking")

    # 6. 开题 → passed; a 咨政报告 with a 批示.
    teacher.goto(app_url)
    teacher.click("#start-project")
    teacher.wait_for_selector("#project-status:has-text('在研')")
    proposal = teacher.locator("#milestone-proposal")
    proposal.locator("textarea").fill("开题报告：研究框架与调研方案。")
    proposal.locator("input[type=file]").set_input_files(files["开题报告.pdf"])
    proposal.locator("button:has-text('提交')").first.click()
    teacher.wait_for_selector("#milestone-proposal .milestone-status:has-text('待审核')")
    page.goto(app_url)
    page.locator("#milestone-proposal button:has-text('通过')").click()
    page.wait_for_selector("#milestone-proposal .milestone-status:has-text('通过')")

    teacher.goto(app_url)
    teacher.fill("#id_report-title", "关于城乡融合基层治理的对策建议")
    teacher.fill("#id_report-published_on", timezone.localdate().isoformat())
    teacher.select_option("#id_report-submitted_level", "municipal")
    teacher.fill("#id_report-submitted_to", "广州市委办公厅")
    teacher.click("#report-form button[type=submit]")
    report = teacher.locator("article.report").first
    report.locator("select[name$=leader_level]").select_option("municipal")
    report.locator("input[name$=endorsed_on]").fill(timezone.localdate().isoformat())
    report.locator("input[name$=evidence]").set_input_files(files["批示件.pdf"])
    report.locator("button:has-text('登记批示')").click()
    teacher.wait_for_selector(".endorsement-state:has-text('待核实')")
    screenshot(teacher, "calls-project")

    # 7. The issuing office verifies; the 批示 counts in the ranking.
    page.goto(app_url)
    page.locator("ul.endorsements button:has-text('核实')").click()
    page.wait_for_selector(".endorsement-state:has-text('已核实')")
    page.goto(page.base_url + "/calls/ranking/")
    row = page.locator("#report-ranking tbody tr").first
    assert row.locator("td").nth(1).inner_text() == "番禺"
    assert [row.locator("td").nth(i).inner_text() for i in (2, 3, 4, 5, 8)] == ["1", "1", "1", "100.0%", "1"]
    screenshot(page, "calls-ranking")
    app = Application.objects.get()
    assert app.status == "granted" and app.project.status == "ongoing"
    assert Endorsement.objects.get().verified_by.username == "gz-staff"

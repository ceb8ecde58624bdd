"""合备一门课 in a real browser: the lead office creates a project with two schools' teachers →
the writer saves two versions of a 解说词 and compares them → the project is submitted → a
reviewer of a third school scores it → the office closes the round and publishes → a fourth
school adopts the course → the owner publishes v2 → the adopter sees the change and takes it,
its local note kept."""

import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.courses import ModuleFactory

from yiwang.codev.models import Adoption, Project
from yiwang.reviews.services import create_rubric

pytestmark = pytest.mark.django_db(transaction=True)

V1 = "各位学员：欢迎来到广州起义纪念馆。\n这里记录了广州起义的历史。\n请大家跟随讲解。"
V2 = "各位学员：欢迎来到广州起义纪念馆。\n这里记录了广州起义的光辉历史。\n请大家跟随讲解，重点关注第二展区。"


@pytest.fixture
def people():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    hy = SchoolFactory(code="hy", name="中共河源市委党校", short_name="河源")
    qy = SchoolFactory(code="qy", name="中共清远市委党校", short_name="清远")
    office = UserFactory(username="gz-staff", full_name="苏明哲")
    MembershipFactory(user=office, school=gz, is_teaching_staff=True)
    for username, name, school in (
        ("gz-t1", "陈思源", gz),
        ("gz-panyu-t1", "林晓东", panyu),
        ("hy-t1", "黄志远", hy),
    ):
        MembershipFactory(user=UserFactory(username=username, full_name=name), school=school, is_teacher=True)
    MembershipFactory(
        user=UserFactory(username="qy-staff", full_name="邓丽华"), school=qy, is_teaching_staff=True
    )
    ModuleFactory(owner_school=gz, name="英雄城市·薪火永续")
    create_rubric(
        by=office,
        school=gz,
        name="现场教学精品课评审量表",
        purpose="course",
        indicators=[
            {"name": "政治性与思想性", "weight": "40", "min_score": "0", "max_score": "10"},
            {"name": "解说词质量", "weight": "60", "min_score": "0", "max_score": "10"},
        ],
    )


def _as(browser, live_server, username):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    sign_in(page, username)
    page.wait_for_selector("h1")
    return context, page


def _version(page, text, note, form="#version-form"):
    page.select_option("#version_kind", "commentary")
    page.fill("#version_title", "解说词")
    page.fill("#version_text", text)
    page.fill("#version_note", note)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(".msg:has-text('已保存')")


def test_codev_whole_flow(page, browser, live_server, people):
    csp_errors = []
    page.on(
        "console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
    )

    # 1. The lead school's teaching office starts a project with 番禺 and builds the team.
    sign_in(page, "gz-staff")
    page.wait_for_selector("h1")
    page.goto(page.base_url + "/codev/")
    page.click("#new-project")
    page.fill("#id_title", "广州起义纪念馆现场教学")
    page.select_option("#id_schools", label="中共广州市番禺区委党校")
    page.fill("#id_place_name", "广州起义纪念馆")
    page.click("#project-form button[type=submit]")
    page.wait_for_selector("h1:has-text('广州起义纪念馆现场教学')")
    project = Project.objects.get()
    for name, role in (("陈思源", "lecturer"), ("林晓东", "writer")):
        page.select_option("#member_user", label=name)
        page.select_option("#member_role", role)
        page.click("#member-form button[type=submit]")
        page.wait_for_selector(f"#team-table td:has-text('{name}')")
    page.click("button:has-text('开始撰写')")
    page.wait_for_selector("#project-stage:has-text('资料撰写')")

    # 2. The 番禺 writer saves two versions of the 解说词 and compares them.
    writer_context, writer = _as(browser, live_server, "gz-panyu-t1")
    writer.goto(page.base_url + f"/codev/projects/{project.pk}/")
    _version(writer, V1, "初稿")
    _version(writer, V2, "根据集体备课意见修订")
    screenshot(writer, "codev-workspace")
    writer.click(".compare-form button[type=submit]")
    writer.wait_for_selector("#compare-summary:has-text('第 1 版 → 第 2 版')")
    assert writer.inner_text("table.diff ins >> nth=0") == "光辉"
    screenshot(writer, "codev-comparison")
    writer_context.close()

    # 3. The office submits the latest versions and assigns a reviewer of a third school.
    page.goto(page.base_url + f"/codev/projects/{project.pk}/")
    page.select_option("#round_rubric", label="现场教学精品课评审量表")
    page.click("#round-form button[type=submit]")
    page.wait_for_selector("h1:has-text('第 1 轮评审')")
    page.fill("#id_username", "gz-panyu-t1")
    page.click("#reviewer-form button[type=submit]")
    page.wait_for_selector(".msg.error:has-text('回避')")
    page.fill("#id_username", "hy-t1")
    page.click("#reviewer-form button[type=submit]")
    page.wait_for_selector("#sheet-table td:has-text('黄志远')")

    # 4. The reviewer scores every indicator.
    reviewer_context, reviewer = _as(browser, live_server, "hy-t1")
    reviewer.goto(page.base_url + "/codev/")
    reviewer.click("#my-sheets a")
    reviewer.wait_for_selector("#sheet-form")
    inputs = reviewer.locator("#sheet-form input[type=number]")
    inputs.nth(0).fill("9")
    inputs.nth(1).fill("8")
    reviewer.fill("#id_comment", "主题鲜明，解说词生动。")
    screenshot(reviewer, "codev-review-sheet")
    reviewer.click("#sheet-form button[type=submit]")
    reviewer.wait_for_selector("#submitted-sheet:has-text('84.00 分')")
    reviewer_context.close()

    # 5. The office closes the round and publishes the course.
    page.reload()
    page.select_option("#id_decision", "pass")
    page.fill("#id_reasons", "达到精品课标准。")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("#round-decision:has-text('通过')")
    page.goto(page.base_url + f"/codev/projects/{project.pk}/")
    page.check("#publish_featured")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector("#review-badge:has-text('评审通过 · 84.00 分')")
    course_id = project.course_id

    # 6. A fourth school adopts it with a local note.
    adopter_context, adopter = _as(browser, live_server, "qy-staff")
    adopter.goto(page.base_url + f"/courses/{course_id}/")
    adopter.click("#adopt-link")
    adopter.fill("#id_local_notes", "安排在中青班第二周。")
    adopter.click("#adopt-form button[type=submit]")
    adopter.wait_for_selector("#based-on:has-text('第 1 版')")

    # 7. The owner adds a new version of the 解说词 and publishes v2.
    page.goto(page.base_url + f"/codev/courses/{course_id}/adoptions/")
    page.wait_for_selector("#adoption-table td:has-text('中共清远市委党校')")
    _version(page, V2 + "\n结尾：请学员写下一句感悟。", "增加结尾", form="#course-version-form")
    page.fill("#release_note", "增加结尾环节")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("#adoption-table td:has-text('落后 1 个版本')")

    # 8. The adopter sees what changed, takes the update; its local note stays.
    adopter.goto(page.base_url + f"/codev/adoptions/{Adoption.objects.get().pk}/")
    adopter.wait_for_selector("#update ins:has-text('结尾')")
    screenshot(adopter, "codev-adoption")
    adopter.click("#take-update")
    adopter.wait_for_selector("#based-on:has-text('第 2 版（最新）')")
    assert adopter.inner_text("#local-notes") == "安排在中青班第二周。"
    adopter_context.close()
    assert csp_errors == []

"""A branch school's staff member imports a teacher spreadsheet in Chromium: one bad row, fix, import, list."""

import io

import openpyxl
import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.faculty import TeacherFactory
from tests.factories.topics import TopicFactory

from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["姓名", "性别", "职称", "教研部", "研究专长", "电话", "电子邮箱", "共享范围"]


def spreadsheet(rows) -> dict:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {
        "name": "番禺师资.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": buffer.getvalue(),
    }


@pytest.fixture
def panyu_staff():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    user = UserFactory(username="gz-panyu-staff", full_name="梁晓红")
    MembershipFactory(user=user, school=panyu, is_teaching_staff=True)
    return panyu


def test_branch_staff_fixes_bad_row_and_imports_teachers(page, panyu_staff):
    rows = [
        [
            "陈志强",
            "男",
            "副教授",
            "党史党建教研部",
            "党史、基层治理",
            "13800001111",
            "czq@example.com",
            "本系统",
        ],
        ["林美玲", "女", "高级讲师", "经济学教研部", "数字经济", "13800002222", "lml@example.com", "全网"],
        ["黄伟明", "男", "讲师", "公共管理教研部", "百千万工程", "13800003333", "", "本校"],
    ]
    sign_in(page, "gz-panyu-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/faculty/import/")
    page.set_input_files("#id_file", spreadsheet(rows))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-problems")
    assert page.inner_text("#import-error") == "文件中有 1 个问题，未导入任何记录。请修改后重新上传。"
    cells = page.locator("#import-problems tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["第 3 行", "职称", "高级讲师", "不在可选范围内（可选：教授、副教授、讲师、助教、其他）"]
    assert Teacher.objects.count() == 0
    screenshot(page, "faculty-import-error")

    rows[1][2] = "讲师"
    page.click("a.btn:has-text('重新上传')")
    page.set_input_files("#id_file", spreadsheet(rows))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("text=导入完成：新建 3 条，更新 0 条，跳过 0 条。")
    page.click("a.btn:has-text('查看列表')")
    page.wait_for_selector("#teacher-table")
    table = page.inner_text("#teacher-table")
    for name in ("陈志强", "林美玲", "黄伟明"):
        assert name in table
    assert "13800001111" in table  # own school: full phone
    assert page.inner_text("#result-count") == "共 3 位教师"
    screenshot(page, "faculty-list")


def test_topic_detail_page(page, panyu_staff):
    teacher = TeacherFactory(
        owner_school=panyu_staff, name="陈志强", scope=SharingScope.NETWORK, title="associate"
    )
    topic = TopicFactory(
        owner_school=panyu_staff,
        scope=SharingScope.NETWORK,
        teachers=[teacher],
        title="深入实施“百千万工程” 推动城乡区域协调发展",
        form="field",
        category="economy",
        audiences="main,young",
        keywords="百千万工程、城乡融合",
        summary="围绕县镇村协调发展，讲清政策脉络与番禺的实践路径。",
        outline="一、背景\n二、番禺实践\n三、研讨",
    )
    sign_in(page, "gz-panyu-staff")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(f"{page.base_url}/topics/{topic.pk}/")
    page.wait_for_selector("#topic-props")
    props = page.inner_text("#topic-props")
    assert "陈志强" in props and "现场教学" in props and "主体班" in props
    screenshot(page, "topic-detail")

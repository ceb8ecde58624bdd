"""Course Excel: template, round trip (export → import into an empty school → same records), bad rows, duplicates."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory, ModuleFactory

from yiwang.core import excel
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def course_record(course) -> tuple:
    return (
        course.title,
        course.kind,
        course.place_name,
        course.place_address,
        course.summary,
        course.keywords,
        course.status,
        course.scope,
        course.module_id,
        sorted(t.pk for t in course.teachers.all()),
        sorted(s.code for s in course.co_schools.all()),
        sorted(a.name for a in course.shared_alliances.all()),
    )


def sheet(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_template_has_chinese_headers_example_and_dropdowns(client_for, network):
    response = client_for(member(network.city, is_teaching_staff=True)).get("/courses/import/template/")
    workbook = load_workbook(io.BytesIO(response.content))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["学校代码", "课程名称", "教学模块", "类型"]
    assert "所属学校" not in headers
    assert ws.cell(row=2, column=4).value == "现场教学"
    assert any(dv.formula1.startswith("'可选值'!") for dv in ws.data_validations.dataValidation)


def test_round_trip_export_then_import_into_empty_school(client_for, network):
    module = ModuleFactory(owner_school=network.city, name="千年商都·枢纽门户")
    t1 = BankTeacherFactory(owner_school=network.city, name="林秀文")
    t2 = BankTeacherFactory(owner_school=network.branch_a, name="何志明")
    CourseFactory(
        owner_school=network.city,
        title="北京路文化核心区现场教学",
        kind="field",
        place_name="北京路",
        place_address="越秀区北京路",
        summary="千年商都的文脉\n第二行",
        keywords="商都、文脉",
        module=module,
        teachers=[t1, t2],
        co_schools=[network.branch_a],
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
        status=CourseStatus.FEATURED,
    )
    CourseFactory(
        owner_school=network.city, title="数字政府建设", status=CourseStatus.DRAFT, scope=SharingScope.NETWORK
    )
    CourseFactory(owner_school=network.city, title="公开课", scope=SharingScope.PUBLIC, teachers=[t1])
    staff = member(network.city, is_teaching_staff=True)
    exported = client_for(staff).get("/courses/export/?status=all").content
    report = excel.get_importer("course")(by=None, school=network.far).run(exported)
    assert (report.state, report.created, report.problems) == ("imported", 3, [])
    originals = {c.title: course_record(c) for c in Course.objects.filter(owner_school=network.city)}
    copies = {c.title: course_record(c) for c in Course.objects.filter(owner_school=network.far)}
    assert copies == originals


def test_bad_rows_all_reported_and_nothing_written(network):
    BankTeacherFactory(owner_school=network.branch_a, name="王芳")
    BankTeacherFactory(owner_school=network.branch_b, name="王芳")
    header = [
        "学校代码",
        "课程名称",
        "教学模块",
        "类型",
        "现场教学点",
        "授课教师",
        "共建学校",
        "状态",
        "共享范围",
        "协作共享对象",
    ]
    data = sheet(
        [
            header,
            ["", "好课程", "", "课堂教学", "", "", "", "", "", ""],
            ["nowhere", "未知学校", "", "课堂教学", "", "", "", "", "", ""],
            ["", "现场课", "", "现场教学", "", "", "", "", "", ""],
            ["", "类型错", "", "讲座", "", "", "", "", "", ""],
            ["", "无模块", "不存在的模块", "课堂教学", "", "查无此人", "zzz", "", "", ""],
            ["", "协作错", "", "课堂教学", "", "", "", "", "协作", ""],
            ["", "重名教师", "", "课堂教学", "", "王芳", "", "", "", ""],
            ["", "好课程", "", "课堂教学", "", "", "", "", "", ""],
        ]
    )
    report = excel.get_importer("course")(by=None, school=network.city).run(data)
    assert report.state == "invalid"
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (3, "学校代码", "未知的学校代码“nowhere”"),
        (4, "现场教学点", "现场教学课程须填写现场教学点"),
        (5, "类型", "不在可选范围内（可选：课堂教学、现场教学）"),
        (6, "教学模块", "没有名为“不存在的模块”的教学模块"),
        (6, "授课教师", "找不到教师“查无此人”（须是在职且您可查看的教师）"),
        (6, "共建学校", "未知的学校代码“zzz”"),
        (7, "协作共享对象", "共享范围为“协作”时，须填写至少一个联盟名称或对口支援学校代码"),
        (8, "授课教师", "有多位教师名为“王芳”，请写明学校代码，例如：王芳（city-a）、王芳（city-b）"),
        (9, "", "与第 2 行重复"),
    ]
    assert Course.objects.count() == 0


def test_duplicates_listed_then_skip_or_update(network):
    CourseFactory(owner_school=network.city, title="已有课程", summary="旧简介")
    data = sheet(
        [["课程名称", "类型", "课程简介"], ["已有课程", "课堂教学", "新简介"], ["新课程", "课堂教学", ""]]
    )
    importer = excel.get_importer("course")
    report = importer(by=None, school=network.city).run(data)
    assert (report.state, [d["item"] for d in report.duplicates]) == (
        "needs_decision",
        ["已有课程（测试市）"],
    )
    assert Course.objects.count() == 1
    report = importer(by=None, school=network.city, on_duplicate="skip").run(data)
    assert (report.created, report.skipped) == (1, 1)
    assert Course.objects.get(title="已有课程").summary == "旧简介"
    report = importer(by=None, school=network.city, on_duplicate="update").run(data)
    assert (report.created, report.updated) == (0, 2)
    assert Course.objects.get(title="已有课程").summary == "新简介"


def test_person_cannot_import_into_other_school(network):
    staff = member(network.branch_a, is_teaching_staff=True)
    data = sheet([["学校代码", "课程名称", "类型"], ["city", "越权课程", "课堂教学"]])
    report = excel.get_importer("course")(by=staff, school=network.branch_a).run(data)
    assert [p.reason for p in report.problems] == ["您无权向中共测试市委党校导入数据"]
    assert Course.objects.count() == 0

"""Teacher import/export: every problem reported, nothing written; duplicates; pages; round trip."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from tests.factories import MembershipFactory, member
from tests.factories.faculty import TeacherFactory

from yiwang.activity.models import AuditRecord
from yiwang.banks.services import start_import_job
from yiwang.core import excel
from yiwang.faculty.excel import TeacherImporter
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

HEADERS = [
    "学校代码",
    "姓名",
    "性别",
    "职称",
    "电话",
    "电子邮箱",
    "外请师资",
    "工作单位",
    "共享范围",
    "协作共享对象",
]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="teachers.xlsx"):
    return SimpleUploadedFile(name, data, content_type=excel.XLSX_CONTENT_TYPE)


def test_every_problem_listed_and_nothing_written(network):
    staff = member(network.city, is_teaching_staff=True)
    data = xlsx(
        [
            ["", "王芳", "女", "教授", "13812345678", "wf@example.com", "否", "", "本系统", ""],
            ["nowhere", "李明", "男", "讲师", "", "", "", "", "", ""],
            ["", "", "男", "院士", "abc", "not-mail", "也许", "", "协作", ""],
            ["stranger", "赵强", "", "", "", "", "是", "", "全网", ""],
            ["", "陈静", "", "", "", "", "", "", "协作", "测试片区、unknown-code、far"],
            ["", "王芳", "女", "教授", "13812345678", "", "", "", "", ""],
        ]
    )
    report = TeacherImporter(by=staff, school=network.city).run(data)
    assert report.state == "invalid"
    assert [(p.row, p.column, p.value, p.reason) for p in report.problems] == [
        (3, "学校代码", "nowhere", "未知的学校代码“nowhere”"),
        (4, "姓名", "", "必填，不能为空"),
        (4, "职称", "院士", "不在可选范围内（可选：教授、副教授、讲师、助教、其他）"),
        (4, "外请师资", "也许", "应填写“是”或“否”"),
        (5, "学校代码", "stranger", "您无权向中共无关市委党校导入数据"),
        (5, "工作单位", "", "外请师资须填写工作单位"),
        (6, "协作共享对象", "测试片区、unknown-code、far", "未知的学校代码或联盟名称“unknown-code”"),
        (6, "协作共享对象", "测试片区、unknown-code、far", "测试市与学校“far”没有对口支援关系"),
        (7, "", "王芳（测试市，138****5678）", "与第 2 行重复"),
    ]
    assert Teacher.objects.count() == 0
    assert not AuditRecord.objects.filter(action="teacher.imported").exists()


def test_cross_field_problems_reported(network):
    staff = member(network.city, is_teaching_staff=True)
    data = xlsx([["", "王芳", "", "", "abc", "not-mail", "是", "", "", "测试片区"]])
    report = TeacherImporter(by=staff, school=network.city).run(data)
    assert [(p.column, p.reason) for p in report.problems] == [
        ("电话", "电话号码格式不正确，应为 7–20 位数字（可含 - 和空格）"),
        ("电子邮箱", "电子邮箱格式不正确"),
        ("工作单位", "外请师资须填写工作单位"),
    ]


def test_missing_required_column(network):
    data = xlsx([["男"]], headers=["性别"])
    report = TeacherImporter(by=None, school=network.city).run(data)
    assert [str(p) for p in report.problems] == ["第 1 行“姓名”列：缺少必填列“姓名”，请使用最新模板"]


def test_clean_file_imports_all_in_one_go_with_one_audit_record(network):
    staff = member(network.city, is_teaching_staff=True)
    MembershipFactory(user=staff, school=network.branch_a, is_training_staff=True)
    data = xlsx(
        [
            [
                "",
                "王芳",
                "女",
                "教授",
                "13812345678",
                "wf@example.com",
                "否",
                "",
                "协作",
                "测试片区、partner",
            ],
            ["city-a", "欧阳明", "男", "", "", "", "是", "广州市农业农村局", "全网", ""],
        ]
    )
    report = TeacherImporter(by=staff, school=network.city).run(data)
    assert (report.state, report.created) == ("imported", 2)
    wang = Teacher.objects.get(name="王芳")
    assert (wang.owner_school, wang.title, wang.name_pinyin, wang.scope) == (
        network.city,
        "professor",
        "wangfang",
        "partners",
    )
    assert list(wang.shared_alliances.all()) == [network.alliance]
    assert list(wang.shared_partnerships.all()) == [network.partnership]
    ouyang = Teacher.objects.get(name="欧阳明")
    assert (ouyang.owner_school, ouyang.is_invited, ouyang.employer) == (
        network.branch_a,
        True,
        "广州市农业农村局",
    )
    record = AuditRecord.objects.get(action="teacher.imported")
    assert record.after == {"created": 2, "updated": 0, "skipped": 0, "rows": 2}


def test_duplicates_listed_then_skip_or_update(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="13812345678", title="lecturer")
    TeacherFactory(owner_school=network.city, name="李明", phone="")
    data = xlsx(
        [
            ["", "王芳", "", "教授", "13812345678", "", "", "", "", ""],
            ["", "黎明", "", "", "", "", "", "", "", ""],  # same pinyin as 李明 in the same school
            ["", "陈静", "", "", "", "", "", "", "", ""],
        ]
    )
    report = TeacherImporter(by=staff, school=network.city).run(data)
    assert report.state == "needs_decision"
    assert [(d["row"], d["existing"]) for d in report.duplicates] == [(2, "王芳"), (3, "李明")]
    assert Teacher.objects.count() == 2
    report = TeacherImporter(by=staff, school=network.city, on_duplicate="skip").run(data)
    assert (report.created, report.updated, report.skipped) == (1, 0, 2)
    assert Teacher.objects.get(name="王芳").title == "lecturer"
    Teacher.objects.filter(name="陈静").delete()
    report = TeacherImporter(by=staff, school=network.city, on_duplicate="update").run(data)
    assert (report.created, report.updated) == (1, 2)
    assert Teacher.objects.get(name="王芳").title == "professor"
    assert Teacher.objects.filter(name="黎明").count() == 1


def test_import_pages_show_problems_then_import(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    client = client_for(staff)
    assert client.get("/faculty/import/").status_code == 200
    template = client.get("/faculty/import/template/")
    assert template["Content-Type"] == excel.XLSX_CONTENT_TYPE
    bad = xlsx(
        [["", "王芳", "", "", "", "", "", "", "", ""], ["", "李明", "", "", "", "", "", "", "火星", ""]]
    )
    response = client.post("/faculty/import/", {"school": network.city.pk, "file": upload(bad)})
    assert response.status_code == 302
    status = client.get(response["Location"]).content.decode()
    assert "文件中有 1 个问题，未导入任何记录。" in status
    assert (
        "第 3 行" in status
        and "火星" in status
        and "不在可选范围内（可选：本校、本系统、协作、全网、公开）" in status
    )
    assert Teacher.objects.count() == 0
    good = xlsx(
        [["", "王芳", "", "", "", "", "", "", "", ""], ["", "李明", "", "", "", "", "", "", "全网", ""]]
    )
    response = client.post("/faculty/import/", {"school": network.city.pk, "file": upload(good)})
    assert "导入完成：新建 2 条，更新 0 条，跳过 0 条。" in client.get(response["Location"]).content.decode()
    assert sorted(Teacher.objects.values_list("name", flat=True)) == ["李明", "王芳"]


def test_import_duplicate_choice_on_page(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="")
    client = client_for(staff)
    response = client.post(
        "/faculty/import/",
        {"school": network.city.pk, "file": upload(xlsx([["", "王芳", "", "教授", "", "", "", "", "", ""]]))},
    )
    status_url = response["Location"]
    assert "可能与已有记录重复" in client.get(status_url).content.decode()
    client.post(status_url, {"on_duplicate": "update"})
    assert "导入完成：新建 0 条，更新 1 条，跳过 0 条。" in client.get(status_url).content.decode()
    assert Teacher.objects.get().title == "professor"


def test_upload_refusals_on_page(client_for, network):
    client = client_for(member(network.city, is_teaching_staff=True))
    response = client.post("/faculty/import/", {"school": network.city.pk, "file": upload(b"a,b\n", "t.csv")})
    assert response.status_code == 400 and excel.NOT_XLSX in response.content.decode()
    with override_settings(IMPORT_MAX_BYTES=100):
        response = client.post("/faculty/import/", {"school": network.city.pk, "file": upload(xlsx([]))})
    assert "文件过大" in response.content.decode()
    outsider = client_for(member(network.far, is_teacher=True))
    response = outsider.post("/faculty/import/", {"school": network.city.pk, "file": upload(xlsx([]))})
    assert "请选择要导入到的学校" in response.content.decode()
    assert Teacher.objects.count() == 0


def test_job_status_private_to_its_owner(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    job = start_import_job(
        bank="teacher", upload=upload(xlsx([])), filename="t.xlsx", school=network.city, by=staff
    )
    other = client_for(member(network.city, is_teaching_staff=True))
    assert other.get(f"/faculty/import/{job.pk}/").status_code == 404
    assert client_for(staff).get(f"/faculty/import/{job.pk}/").status_code == 200


def test_round_trip_export_then_import_into_empty_school(client_for, network):
    source = member(network.city, is_teaching_staff=True)
    TeacherFactory(
        owner_school=network.city,
        name="王芳",
        gender="female",
        title="professor",
        position="主任",
        department="经济学教研部",
        expertise="数字经济、新质生产力",
        bio="简介\n第二行",
        phone="13812345678",
        email="wf@example.com",
        scope=SharingScope.PUBLIC,
    )
    TeacherFactory(
        owner_school=network.city,
        name="欧阳明",
        is_invited=True,
        employer="广州市科学技术局",
        post="副局长",
        phone="",
        email="",
        scope=SharingScope.SCHOOL,
    )
    exported = client_for(source).get("/faculty/export/").content
    target_staff = member(network.stranger, is_teaching_staff=True)
    report = TeacherImporter(by=target_staff, school=network.stranger).run(exported)
    assert (report.state, report.created) == ("imported", 2)
    fields = [
        "name",
        "name_pinyin",
        "name_initials",
        "gender",
        "title",
        "position",
        "department",
        "expertise",
        "bio",
        "phone",
        "email",
        "is_invited",
        "employer",
        "post",
        "scope",
        "is_active",
    ]
    original = list(Teacher.objects.filter(owner_school=network.city).order_by("name").values(*fields))
    copied = list(Teacher.objects.filter(owner_school=network.stranger).order_by("name").values(*fields))
    assert copied == original
    assert teachers_visible_to(target_staff, school=network.stranger).count() == 2

"""One writer for every xlsx: user text is written as text (no formula), control characters
never break an export (issue 9 parts 1 and 2, export half)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from tests.factories import member, platform_admin
from tests.factories.courses import CourseFactory
from tests.factories.faculty import TeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory
from tests.factories.topics import TopicFactory

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity.services import record_audit
from yiwang.core import excel
from yiwang.network.enums import SharingScope

FORMULA = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE = [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", " =1+1"]


def cells(data: bytes):
    """Every cell of every sheet, opened as Excel would (not read-only: formulas are visible)."""
    workbook = load_workbook(io.BytesIO(data))
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]


def assert_no_formula(data: bytes) -> list:
    found = cells(data)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    texts = [c.value for c in found if isinstance(c.value, str)]
    assert [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    assert [t for t in texts if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in t)] == []
    return texts


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (FORMULA, "'" + FORMULA),
        ("+86 138 0000 0000", "'+86 138 0000 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("　=1+1", "'　=1+1"),
        ("王\x07芳\x00", "王芳"),
        ("第一行\n第二行\t制表", "第一行\n第二行\t制表"),
        ("普通文字 = 等号在中间", "普通文字 = 等号在中间"),
        ("", ""),
    ],
)
def test_safe_text_neutralises_formulas_and_removes_controls(value, written):
    assert excel.safe_text(value) == written


def test_write_rows_keeps_numbers_and_dates_typed_and_text_as_text():
    aware = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    data = excel.write_rows(
        "名单[测试]:1/2",
        ["姓名", "=表头", "课时", "日期", "时间", "是否"],
        [["王\x07芳", FORMULA, Decimal("1.5"), date(2026, 3, 1), aware, True], [None, -3, 2, "", "", False]],
    )
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.active
    assert ws.title == "名单 测试  1 2"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "'=表头", "课时", "日期", "时间", "是否")
    assert rows[1] == ("王芳", "'" + FORMULA, 1.5, datetime(2026, 3, 1), datetime(2026, 3, 1, 9, 30), True)
    assert rows[2] == (None, -3, 2, None, None, False)  # numbers stay numbers, -3 is no text
    assert_no_formula(data)
    response = excel.xlsx_response(data, "出勤.xlsx")
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"export.xlsx\"; filename*=UTF-8''%E5%87%BA%E5%8B%A4.xlsx"
    )


def test_neutralised_text_reads_back_as_typed():
    column = excel.Column("title", "标题")
    assert column.parse(excel.safe_text(FORMULA)) == FORMULA
    assert column.parse("'引号开头") == "'引号开头"


@pytest.mark.django_db
@pytest.mark.parametrize("bank", ["teacher", "topic", "course", "project", "output"])
def test_every_template_has_no_user_formula(bank):
    data = excel.build_template(excel.get_importer(bank))
    workbook = load_workbook(io.BytesIO(data))
    assert [
        c.coordinate
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "make"),
    [
        (
            "/faculty/export/",
            lambda school, text: TeacherFactory(owner_school=school, name="王\x07芳", department=text),
        ),
        ("/topics/export/", lambda school, text: TopicFactory(owner_school=school, title=text)),
        ("/courses/export/", lambda school, text: CourseFactory(owner_school=school, title=text)),
        ("/research/export/", lambda school, text: ProjectFactory(owner_school=school, title=text)),
        ("/research/outputs/export/", lambda school, text: OutputFactory(owner_school=school, title=text)),
    ],
)
def test_bank_exports_write_hostile_and_legacy_text_as_text(url, make, network, client_for):
    for text in HOSTILE:
        make(network.city, text)
    make(network.city, "旧数据\x07\x1b带控制字符")
    viewer = member(network.city, is_teaching_staff=True, is_research_staff=True, is_school_admin=True)
    response = client_for(viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    texts = assert_no_formula(response.content)
    for text in HOSTILE:  # (an XML reader reads a CR back as a newline)
        assert "'" + text.replace("\r", "\n") in texts
    assert "旧数据带控制字符" in texts


@pytest.mark.django_db
def test_faculty_export_survives_a_bell_in_a_name_for_everyone(network, client_for):
    TeacherFactory(owner_school=network.city, name="李\x07明", scope=SharingScope.NETWORK)
    for viewer in (member(network.city, is_teaching_staff=True), member(network.far, is_teacher=True)):
        response = client_for(viewer).get("/faculty/export/")
        assert response.status_code == 200
        assert "李明" in assert_no_formula(response.content)


@pytest.mark.django_db
def test_audit_export_writes_legacy_records_as_text(client_for):
    record_audit(actor=None, action="=cmd|' /C calc'!A0", object_repr="@SUM(1)\x07旧记录", after={"v": "=1"})
    response = client_for(platform_admin(PlatformRoleKind.AUDIT)).get("/audit/export.xlsx")
    assert response.status_code == 200
    texts = assert_no_formula(response.content)
    assert "'=cmd|' /C calc'!A0" in texts and "'@SUM(1)旧记录" in texts


def test_every_bank_export_is_audited_with_its_filters_and_row_count(network, client_for):
    """Issue #9 part 10: who exported which list, with which filters, how many rows."""
    from tests.factories import member
    from tests.factories.courses import BankTeacherFactory

    from yiwang.activity.models import AuditRecord

    staff = member(network.city, is_teaching_staff=True)
    BankTeacherFactory(owner_school=network.city, name="导出甲")
    BankTeacherFactory(owner_school=network.city, name="导出乙")
    response = client_for(staff).get("/faculty/export/", {"school": network.city.code})
    assert response.status_code == 200
    record = AuditRecord.objects.get(action="data.exported")
    assert record.actor == staff
    assert record.after["rows"] == 2
    assert record.after["filters"]["school"] == network.city.code


def test_audit_log_export_is_audited(network, client_for):
    from tests.factories import platform_admin

    from yiwang.accounts.enums import PlatformRoleKind
    from yiwang.activity.models import AuditRecord

    auditor = platform_admin(PlatformRoleKind.AUDIT)
    assert client_for(auditor).get("/audit/export.xlsx").status_code == 200
    record = AuditRecord.objects.get(action="data.exported")
    assert (record.actor, record.after["list"]) == (auditor, "审计日志")

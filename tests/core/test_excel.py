"""The generic Excel framework: cells, file checks, template, registry, command."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from yiwang.core import excel
from yiwang.core.errors import DomainError

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "column, raw, expected",
    [
        (excel.Column("d", "日期", kind="date"), "2024/3/1", date(2024, 3, 1)),
        (excel.Column("d", "日期", kind="date"), "2024年3月1日", date(2024, 3, 1)),
        (excel.Column("d", "日期", kind="date"), date(2024, 3, 1), date(2024, 3, 1)),
        (excel.Column("n", "课时", kind="decimal"), 1.5, Decimal("1.5")),
        (excel.Column("t", "电话"), 13812345678.0, "13812345678"),
        (excel.Column("b", "外请", kind="bool"), "是", True),
        (excel.Column("c", "形式", kind="choice", choices=(("field", "现场教学"),)), "现场教学", "field"),
        (
            excel.Column("m", "对象", kind="multi", choices=(("main", "主体班"), ("young", "中青班"))),
            "主体班、中青班",
            ["main", "young"],
        ),
    ],
)
def test_cells_parse(column, raw, expected):
    assert column.parse(raw) == expected


@pytest.mark.parametrize(
    "column, raw, reason",
    [
        (excel.Column("d", "日期", kind="date"), "2024-02-30", "日期格式不正确，应为 2024-03-01 这样的日期"),
        (excel.Column("d", "日期", kind="date"), "明天", "日期格式不正确，应为 2024-03-01 这样的日期"),
        (excel.Column("n", "课时", kind="decimal"), "三", "应为数字，例如 3 或 1.5"),
        (excel.Column("b", "外请", kind="bool"), "也许", "应填写“是”或“否”"),
        (
            excel.Column("c", "形式", kind="choice", choices=(("field", "现场教学"), ("case", "案例教学"))),
            "跳舞",
            "不在可选范围内（可选：现场教学、案例教学）",
        ),
        (excel.Column("t", "姓名", required=True), "  ", "必填，不能为空"),
        (excel.Column("t", "姓名", max_length=2), "欧阳修文", "过长：最多 2 个字，现有 4 个字"),
    ],
)
def test_bad_cells_give_chinese_reason(column, raw, reason):
    with pytest.raises(excel.CellError) as exc:
        column.parse(raw)
    assert str(exc.value) == reason


def test_not_xlsx_refused():
    with pytest.raises(DomainError) as exc:
        excel.check_upload(b"name,phone\n", "teachers.csv")
    assert exc.value.message == excel.NOT_XLSX
    with pytest.raises(DomainError) as exc:
        excel.check_upload(b"%PDF-1.7", "report.xlsx")
    assert exc.value.message == excel.NOT_XLSX
    data = excel.check_upload(b"PK\x03\x04 this is not really a workbook", "fake.xlsx")
    with pytest.raises(DomainError) as exc:
        excel.read_sheet(data)
    assert exc.value.message == excel.NOT_XLSX


@override_settings(IMPORT_MAX_BYTES=1024)
def test_oversized_file_refused():
    with pytest.raises(DomainError) as exc:
        excel.check_upload(b"PK\x03\x04" + b"0" * 3000, "big.xlsx")
    assert exc.value.message == "文件过大（0.0 MB），上限为 0 MB，请拆分后分批导入。"
    assert exc.value.code == "file_too_large"


def test_registry_knows_banks_and_refuses_unknown():
    assert {"teacher", "topic"} <= set(excel.importers())
    with pytest.raises(DomainError) as exc:
        excel.get_importer("cats")
    assert exc.value.message.startswith("未知的数据类型“cats”，可选：")


def test_template_has_headers_example_and_dropdowns():
    data = excel.build_template(excel.get_importer("topic"))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["学校代码", "讲题", "授课教师", "学科类别"]
    assert sheet.cell(row=2, column=2).value == "深入实施“百千万工程” 推动城乡区域协调发展"
    formulas = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert formulas["D2:D10000"].startswith("'可选值'!$")
    options = workbook["可选值"]
    assert options.sheet_state == "hidden"
    assert [c.value for c in options["B"] if c.value][:3] == ["教学形式", "专题讲授", "现场教学"]


def test_template_example_row_is_ignored_on_import(network):
    importer = excel.get_importer("teacher")(by=None, school=network.city)
    report, rows = importer.check(excel.build_template(excel.get_importer("teacher")))
    assert (report.state, report.total_rows, report.problems) == ("checked", 0, [])


def test_command_reports_problems_and_writes_nothing(network, tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx([["姓名", "职称"], ["王芳", "院士"]]))
    with pytest.raises(CommandError) as exc:
        call_command("import", "teacher", str(path), "--school", "city")
    assert str(exc.value) == "文件中有 1 个问题，未导入任何记录。"
    assert (
        "第 2 行“职称”列（值：院士）：不在可选范围内（可选：教授、副教授、讲师、助教、其他）"
        in capsys.readouterr().err
    )
    with pytest.raises(CommandError) as exc:
        call_command("import", "teacher", str(path), "--school", "nowhere")
    assert str(exc.value) == "未知的学校代码“nowhere”。"
    with pytest.raises(CommandError) as exc:
        call_command("import", "dogs", str(path), "--school", "city")
    assert "未知的数据类型“dogs”" in str(exc.value)
    from yiwang.faculty.models import Teacher

    assert Teacher.objects.count() == 0


def test_command_imports_clean_file(network, tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx([["姓名", "职称", "电话"], ["王芳", "教授", 13812345678], ["李明", "", ""]]))
    call_command("import", "teacher", str(path), "--school", "city")
    assert "导入完成：新建 2 条，更新 0 条，跳过 0 条。" in capsys.readouterr().out
    from yiwang.faculty.models import Teacher

    assert sorted(Teacher.objects.values_list("name", "title", "phone")) == [
        ("李明", "other", ""),
        ("王芳", "professor", "13812345678"),
    ]

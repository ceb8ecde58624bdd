"""Imports stream (issue 12 part 3) and leave planner statistics behind (part 1).

The streamed reader gives the rows calamine gives; an import is checked and written in batches
(``BATCH_SIZE``), still all or nothing with every problem listed; a large sheet is streamed;
after an import the planner has statistics for the tables it wrote.
"""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from python_calamine import CalamineWorkbook

from yiwang.accounts.services import ServerConsole
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import DomainError
from yiwang.core.excel import importer as importer_module
from yiwang.core.excel import reading
from yiwang.core.excel.streaming import StreamedSheet
from yiwang.faculty.excel import TeacherImporter
from yiwang.faculty.models import Teacher

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "性别", "职称", "电话", "电子邮箱", "共享范围"]


def workbook_bytes(rows, *, write_only=False) -> bytes:
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("导入") if write_only else workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def calamine_rows(data: bytes) -> list[list]:
    return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).iter_rows())


def padded(rows: list[list], width: int) -> list[list]:
    return [row + [""] * (width - len(row)) for row in rows]


MIXED = [
    ["文本", "日期", "时间", "整数", "小数", "布尔", "号码"],
    ["张宏伟", datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 12, 30), 3, 1.5, True, 13812345678],
    [None, "&<>\"'", None, "  空格  ", None, False, "第二行"],
    [],
    ["隔一行", None, None, None, None, None, None],
]


@pytest.mark.parametrize("write_only", [False, True], ids=["shared strings", "inline strings"])
def test_streamed_sheet_gives_the_rows_calamine_gives(write_only):
    data = workbook_bytes(MIXED, write_only=write_only)
    streamed = list(StreamedSheet(data))
    assert padded(streamed, 7) == calamine_rows(data)
    assert streamed[1] == [
        "张宏伟",
        datetime.date(2024, 3, 1),
        datetime.datetime(2024, 3, 1, 12, 30),
        3.0,
        1.5,
        True,
        13812345678.0,
    ]
    assert streamed[3] == []  # the empty row keeps its place (row numbers in the report)


def test_streamed_sheet_counts_rows_without_a_dimension():
    data = workbook_bytes([["a"], *[[str(i)] for i in range(4500)]], write_only=True)
    sheet = StreamedSheet(data)
    assert sheet.height == 0  # openpyxl's write-only mode writes no <dimension>
    assert sheet.count_rows() == 4501
    assert sum(1 for _ in sheet) == 4501


def test_broken_sheet_xml_is_not_an_xlsx(monkeypatch):
    good = workbook_bytes([["姓名"], ["王芳"]])
    source = io.BytesIO(good)
    broken = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(source) as inside, zipfile.ZipFile(broken, "w") as out:
        for item in inside.infolist():
            body = inside.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            out.writestr(item, body)
    monkeypatch.setattr(reading, "READ_AT_ONCE_MAX_XML", 0)  # stream even a small sheet
    sheet = reading.open_sheet(broken.getvalue())
    with pytest.raises(DomainError) as caught:
        list(sheet)
    assert caught.value.message == reading.NOT_XLSX


def teacher_rows(count: int, start: int = 0) -> list[list]:
    return [
        [f"教师{i:05d}", "女", "讲师", f"1380000{i:04d}", f"t{i}@example.cn", "本系统"]
        for i in range(start, count)
    ]


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 4 rows, so a 10-row file is checked and written in three batches."""
    monkeypatch.setattr(importer_module, "BATCH_SIZE", 4)


@pytest.mark.parametrize("stream", [False, True], ids=["read at once", "streamed"])
def test_import_in_batches_writes_every_row_with_its_audit_record(
    network, small_batches, monkeypatch, stream
):
    if stream:
        monkeypatch.setattr(reading, "READ_AT_ONCE_MAX_XML", 0)
    data = workbook_bytes([HEADERS, *teacher_rows(10)])
    report = TeacherImporter(by=ServerConsole("ops"), school=network.city).run(data)
    assert (report.state, report.total_rows, report.created, report.problems) == ("imported", 10, 10, [])
    names = list(
        Teacher.objects.filter(owner_school=network.city, name__startswith="教师").values_list(
            "name", "phone"
        )
    )
    assert sorted(names) == [(f"教师{i:05d}", f"1380000{i:04d}") for i in range(10)]
    created = AuditRecord.objects.filter(action="teacher.created", school=network.city)
    assert created.count() == 10
    record = created.get(object_repr="教师00007")
    assert record.after["phone"] == "13800000007" and record.after["scope"] == "system"
    assert record.object_type == "faculty.Teacher"
    assert AuditRecord.objects.filter(action="teacher.imported").count() == 1


def test_a_problem_in_the_last_batch_writes_nothing_and_every_problem_is_listed(network, small_batches):
    rows = teacher_rows(10)
    rows[1][3] = "abc"  # first batch
    rows[9][3] = "xyz"  # last batch
    rows.append(list(rows[2]))  # the same teacher again, two batches later
    data = workbook_bytes([HEADERS, *rows])
    before = (Teacher.objects.count(), AuditRecord.objects.count())
    report = TeacherImporter(by=ServerConsole("ops"), school=network.city).run(data)
    assert report.state == "invalid"
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (3, "电话", "abc"),
        (11, "电话", "xyz"),
        (12, "", "教师00002（测试市，138****0002）"),
    ]
    assert report.problems[2].reason == "与第 4 行重复"
    assert (Teacher.objects.count(), AuditRecord.objects.count()) == before


def test_duplicates_with_existing_teachers_found_in_every_batch(network, small_batches):
    first = workbook_bytes([HEADERS, *teacher_rows(3)])
    TeacherImporter(by=ServerConsole("ops"), school=network.city).run(first)
    again = workbook_bytes([HEADERS, *teacher_rows(10)])
    report = TeacherImporter(by=ServerConsole("ops"), school=network.city).run(again)
    assert report.state == "needs_decision"
    assert [d["row"] for d in report.duplicates] == [2, 3, 4]
    report = TeacherImporter(by=ServerConsole("ops"), school=network.city, on_duplicate="skip").run(again)
    assert (report.state, report.created, report.skipped) == ("imported", 7, 3)
    assert Teacher.objects.filter(name__startswith="教师").count() == 10


def _statistics_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


def _forget_statistics(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone()[0]:
            for table in tables:
                cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])


def _analyzed(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table])
        row = cursor.fetchone()
        return bool(row and row[0])


def test_planner_statistics_exist_after_an_import(network, tmp_path):
    tables = ["faculty_teacher", "activity_auditrecord"]
    if connection.vendor == "sqlite":
        _forget_statistics(tables)
        assert [_statistics_rows(t) for t in tables] == [0, 0]
    path = tmp_path / "teachers.xlsx"
    path.write_bytes(workbook_bytes([HEADERS, *teacher_rows(5)]))
    call_command("import", "teacher", str(path), "--school", network.city.code, stdout=io.StringIO())
    assert Teacher.objects.filter(name__startswith="教师").count() == 5
    if connection.vendor == "sqlite":
        assert all(_statistics_rows(t) > 0 for t in tables)
    else:
        assert all(_analyzed(t) for t in tables)


def test_no_statistics_refresh_when_nothing_was_written(network, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite: the statistics table shows whether ANALYZE ran")
    _forget_statistics(["faculty_teacher"])
    rows = teacher_rows(2)
    rows[0][3] = "abc"
    report = TeacherImporter(by=ServerConsole("ops"), school=network.city).run(
        workbook_bytes([HEADERS, *rows])
    )
    assert report.state == "invalid"
    assert _statistics_rows("faculty_teacher") == 0

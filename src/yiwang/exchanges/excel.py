"""The trainee roster (学员名册) of a hosted class: its columns, the template, the row-level check
(nothing is imported when a row is bad) and the attendance/evaluation summary workbook."""

import re

from yiwang.core.errors import DomainError
from yiwang.core.excel import CellError, Column, Problem, check_upload, clean_header, read_sheet, write_rows

ROSTER_COLUMNS = [
    Column("name", "姓名", required=True, max_length=40, example="张晓明"),
    Column("gender", "性别", max_length=4, example="男"),
    Column("unit", "工作单位", max_length=100, example="波密县扎木镇人民政府"),
    Column("position", "职务", max_length=100, example="副镇长"),
    Column("phone", "手机号", required=True, max_length=20, example="13900001234"),
]
PHONE = re.compile(r"1\d{10}")


def roster_template() -> bytes:
    return write_rows(
        "学员名册",
        [c.header for c in ROSTER_COLUMNS],
        [[c.example for c in ROSTER_COLUMNS]],
        widths=[14, 8, 30, 20, 16],
    )


def read_roster(upload) -> tuple[list[dict], list[Problem]]:
    """(rows, problems) of an uploaded roster. Each row: the column values and its sheet ``row``."""
    data = check_upload(upload, getattr(upload, "name", ""))
    _, rows = read_sheet(data)
    header = next(rows, None)
    if not header:
        raise DomainError("名册是空的，请按模板填写后再上传。", field="file")
    headers = [clean_header(h) for h in header]
    index = {}
    problems: list[Problem] = []
    for column in ROSTER_COLUMNS:
        if column.header in headers:
            index[column.key] = headers.index(column.header)
        elif column.required:
            problems.append(Problem(0, column.header, "", "缺少必填列，请使用模板"))
    if problems:
        return [], problems
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        if not any(str(v).strip() for v in raw if v is not None):
            continue
        values = {"row": number}
        for column in ROSTER_COLUMNS:
            position = index.get(column.key)
            cell = raw[position] if position is not None and position < len(raw) else None
            try:
                values[column.key] = column.parse(cell)
            except CellError as exc:
                problems.append(Problem(number, column.header, str(cell or ""), str(exc)))
        phone = re.sub(r"[\s-]", "", str(values.get("phone") or ""))
        if phone and not PHONE.fullmatch(phone):
            problems.append(Problem(number, "手机号", phone, "应为 11 位手机号"))
        elif phone in seen:
            problems.append(Problem(number, "手机号", phone, f"与第 {seen[phone]} 行重复"))
        elif phone:
            seen[phone] = number
        values["phone"] = phone
        parsed.append(values)
    if not parsed and not problems:
        raise DomainError("名册中没有学员。", field="file")
    return parsed, problems


def hosting_summary_workbook(hosting, attendance: list[dict], ratings: list[dict]) -> bytes:
    """Two tables in one sheet-per-call workbook is not supported by the one writer, so the summary
    is one sheet: the attendance rows, a blank row, then the session ratings."""
    rows: list[list] = []
    for item in attendance:
        t = item["trainee"]
        rows.append([t.name, t.unit, t.position, item["sessions"], item["hours"], "", "", ""])
    rows.append([])
    rows.append(["课程", "日期", "授课教师", "签到人数", "评课份数", "平均分（百分制）", "", ""])
    for item in ratings:
        s = item["session"]
        rows.append(
            [
                s.title,
                f"{s.date:%Y-%m-%d} {s.start_time:%H:%M}",
                s.lecturer,
                item["attended"],
                item["ratings"],
                item["average"] if item["average"] is not None else "",
                "",
                "",
            ]
        )
    return write_rows(
        f"{hosting.request.title}"[:28] or "承办班次",
        ["学员", "工作单位", "职务", "签到节数", "学时", "", "", ""],
        rows,
        widths=[28, 24, 18, 12, 12, 16, 4, 4],
    )

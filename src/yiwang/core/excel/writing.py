"""The ONE xlsx writer of the platform: templates, exports, any list of rows.

Every value goes through :func:`safe_cell`, so user text is always written as text:

* C0 control characters other than tab, CR and newline (NUL included) are removed — openpyxl
  refuses them, and one legacy row must never make an export answer 500;
* a text beginning with ``=``, ``+``, ``-`` or ``@`` (or with a tab/CR, or blanks before
  one of them) is prefixed with
  ``'`` as OWASP recommends against formula (CSV) injection, so Excel and WPS never
  evaluate it (openpyxl would otherwise store ``=…`` as a formula).

Use :func:`write_rows` for a plain table and :func:`xlsx_response` to send the bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

if TYPE_CHECKING:
    from .columns import Column
    from .importer import Importer

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LEADING_BLANKS = " \t\r\n\u3000"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_text(text: str) -> str:
    """``text`` as it may be written into a cell: controls removed, formulas neutralised."""
    text = CONTROL_CHARACTERS.sub("", text)
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(LEADING_BLANKS).startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_cell(value: Any) -> Any:
    """A python value ready for openpyxl: numbers, dates and booleans stay typed, the rest is
    safe text (timezone-aware datetimes become local time: Excel has no time zones)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if hasattr(value, "isoformat"):  # date, time
        return value
    return safe_text(str(value))


def sheet_title(title: str) -> str:
    """A valid worksheet title (at most 31 characters, none of ``[]:*?/\\``)."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", CONTROL_CHARACTERS.sub("", title)).strip("' ")
    return cleaned[:31] or "Sheet1"


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_rows(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int] | None = None,
) -> bytes:
    """One sheet: a bold header row, then ``rows`` (streamed: any iterable of sequences)."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet_title(title))
    for index, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _write_table(ws, header, rows)
    return _save(workbook)


def _write_table(ws, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A bold header row, then ``rows``, every value through ``safe_cell``."""
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(ws, value=safe_cell(text))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([safe_cell(value) for value in row])


def write_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Several sheets in one workbook, each ``(title, header, rows)``, written like ``write_rows``."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, rows in sheets:
        name = sheet_title(title)
        n = 2
        while name in used:  # titles are cut to 31 characters: keep them distinct
            name = sheet_title(f"{title[:27]} {n}")
            n += 1
        used.add(name)
        _write_table(workbook.create_sheet(name), header, rows)
    return _save(workbook)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """An attachment download of ``data`` named ``filename`` (any Unicode name)."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


# -- a bank's template and export ---------------------------------------------------------


def _style_header(ws, columns: list[Column]) -> None:
    fill = PatternFill("solid", fgColor="F3E9E7")
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="B3261E" if column.required else "1F2328")
        cell.fill = fill
        notes = []
        if column.required:
            notes.append("必填")
        if column.help:
            notes.append(column.help)
        if column.kind in ("choice", "multi"):
            joiner = "；可填多个，用顿号分隔" if column.kind == "multi" else ""
            notes.append(f"可选：{'、'.join(column.labels)}{joiner}")
        if notes:
            cell.comment = Comment(safe_text("\n".join(notes)), "一网")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"


def build_template(importer_cls: type[Importer]) -> bytes:
    """The template: Chinese headers, one example row, drop-down lists for choice columns."""
    columns = [c for c in importer_cls.columns if not c.export_only]
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_title(f"{importer_cls.label}导入")
    ws.append([safe_cell(c.header) for c in columns])
    ws.append([safe_cell(c.example) for c in columns])
    for cell in ws[2]:
        cell.font = Font(italic=True, color="5F6368")
    _style_header(ws, columns)
    options = workbook.create_sheet("可选值")
    options.sheet_state = "hidden"
    option_col = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.kind in ("choice", "bool"):
            values = column.labels if column.kind == "choice" else ["是", "否"]
            option_col += 1
            opt_letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=safe_cell(column.header))
            for r, value in enumerate(values, start=2):
                options.cell(row=r, column=option_col, value=safe_cell(value))
            # Our own formula (the drop-down's source range), never user text.
            formula = f"'可选值'!${opt_letter}$2:${opt_letter}${len(values) + 1}"
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="不在可选范围内",
                error=safe_text(f"请从下拉列表中选择{column.header}。"),
            )
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}10000")
        elif column.kind == "multi":
            validation = DataValidation(
                type="custom",
                formula1="TRUE",
                allow_blank=True,
                showInputMessage=True,
                promptTitle=safe_text(column.header)[:32],
                prompt=safe_text(f"可填多个，用顿号分隔：{'、'.join(column.labels)}")[:250],
            )
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}10000")
        elif column.kind == "date":
            ws.cell(row=2, column=index).number_format = "yyyy-mm-dd"
    readme = workbook.create_sheet("填写说明")
    readme.append(["说明"])
    readme.append(["第 1 行为表头，请勿修改；第 2 行为示例，原样保留时导入会自动忽略，也可以直接覆盖。"])
    readme.append(["红色表头为必填列；选择类的列请用下拉列表；日期写作 2024-03-01。"])
    readme.append(["“学校代码”留空时，记录归入导入页面所选的学校。"])
    readme.column_dimensions["A"].width = 90
    return _save(workbook)


def export_workbook(importer_cls: type[Importer], objects: Iterable, viewer) -> bytes:
    """An xlsx of ``objects`` (already filtered by the bank's visibility selector)."""
    importer = importer_cls(by=viewer)
    columns = [c for c in importer.columns if not c.import_only]

    def rows():
        for obj in objects:
            values = importer.export_values(obj, viewer)
            yield [column.to_cell(values.get(column.key)) for column in columns]

    return write_rows(
        importer_cls.label,
        [c.header for c in columns],
        rows(),
        widths=[c.width for c in columns],
    )


def export_response(importer_cls: type[Importer], objects: Iterable, viewer, filename: str):
    return xlsx_response(export_workbook(importer_cls, objects, viewer), filename)

"""Excel in and out for the banks: templates, checked imports, exports.

One framework, one importer per bank. Reading uses python-calamine (fast on
large sheets), writing uses openpyxl (styled templates, drop-down lists).

How to add a bank (e.g. 课程库)
--------------------------------
1. In ``yiwang/<app>/excel.py`` subclass :class:`Importer` and register it::

       from yiwang.core import excel

       @excel.register
       class CourseImporter(excel.Importer):
           bank = "course"                 # ``yiwang import course file.xlsx``
           label = "课程"
           model = Course
           columns = [
               excel.Column("school", "学校代码", kind="school"),
               excel.Column("title", "课程名称", required=True, max_length=200, example="……"),
               excel.Column("kind", "类型", kind="choice", choices=CourseKind.choices, required=True),
               ...
           ]

           def check_row(self, row): ...        # cross-column checks: row.problem("title", "原因")
           def duplicate_key(self, row): ...    # None, or a key; equal keys inside the file are refused
           def find_existing(self, row): ...    # the existing object this row likely duplicates, or None
           def create_objects(self, rows): ...  # bulk_create in batches, return the saved objects
           def update_object(self, obj, row): ...
           def export_values(self, obj, viewer): ...  # {column key: python value} for one object

   ``autodiscover()`` imports every installed app's ``excel`` module, so the
   registry (``get_importer("course")``) and the ``yiwang import`` command
   find the new bank without further wiring.
2. Pages: add three URLs to the app's ``urls.py`` using the generic views of
   this module: ``template_view`` (download), ``import_view`` (upload form),
   ``import_status_view`` (progress, problems, duplicate choice). Export a
   filtered list with ``export_response(importer_cls, objects, viewer, filename)``
   — pass objects from the bank's ``*_visible_to`` selector, never a raw queryset.

The flow of one import
----------------------
``check`` reads the whole sheet and checks EVERY row (types, choice lists,
dates, required cells, school codes, the importer's own checks, duplicates
inside the file) and lists every problem (row, column header, value, reason
in Chinese) — nothing is written. Rows that likely duplicate existing records
are listed; the person chooses ``skip`` or ``update``. Only a clean file with
a decision (when one is needed) is saved, all or nothing, in one transaction,
with one summary audit record (``<bank>.imported``).

Large files run as a background task (``django.tasks``; ImmediateBackend in
tests, the database backend with ``yiwang db_worker`` in dev/production).
The job's upload and status (a small JSON file, progress included) live in
``IMPORT_JOBS_DIR`` (default: next to MEDIA_ROOT, never served), so any app
process can show the progress page.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task

from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError

XLSX_MAGIC = b"PK\x03\x04"
NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请下载模板填写后另存为 .xlsx 再上传。"
SPLIT_MULTI = re.compile(r"[、,，;；\n]+")
BATCH_SIZE = 2000
PROGRESS_EVERY = 2000


# ---------------------------------------------------------------------------
# Columns and cells
# ---------------------------------------------------------------------------


class CellError(Exception):
    """A cell value that cannot be used; the message is the Chinese reason."""


@dataclass(frozen=True)
class Column:
    """One column of a bank's sheet.

    ``kind``: text, int, decimal, date, bool, choice, multi (several choice
    values separated by 、), school (a school code). Choice columns hold the
    Chinese labels in the file; ``choices`` is a ``TextChoices.choices`` list.
    ``export_only`` columns are written on export and ignored on import;
    ``import_only`` columns (e.g. 学校代码, so an export imports into any
    school) appear in the template but not in exports.
    """

    key: str
    header: str
    kind: str = "text"
    required: bool = False
    choices: tuple = ()
    max_length: int | None = None
    example: Any = ""
    help: str = ""
    default: Any = None
    export_only: bool = False
    import_only: bool = False
    width: int = 16

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.choices]

    def _choice(self, text: str) -> str:
        for value, label in self.choices:
            if text in (label, value):
                return value
        raise CellError(f"不在可选范围内（可选：{'、'.join(self.labels)}）")

    def parse(self, raw: Any) -> Any:
        """The python value of a cell, or CellError with the reason."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise CellError("必填，不能为空")
            return self.default if self.default is not None else _EMPTY.get(self.kind, "")
        parser = getattr(self, f"_parse_{self.kind}")
        return parser(raw)

    def _parse_text(self, raw: Any) -> str:
        text = cell_text(raw)
        if self.max_length and len(text) > self.max_length:
            raise CellError(f"过长：最多 {self.max_length} 个字，现有 {len(text)} 个字")
        return text

    _parse_school = _parse_text

    def _parse_int(self, raw: Any) -> int:
        try:
            number = Decimal(cell_text(raw))
        except InvalidOperation:
            raise CellError("应为整数") from None
        if number != number.to_integral_value():
            raise CellError("应为整数")
        return int(number)

    def _parse_decimal(self, raw: Any) -> Decimal:
        try:
            number = Decimal(cell_text(raw))
        except InvalidOperation:
            raise CellError("应为数字，例如 3 或 1.5") from None
        if not number.is_finite():
            raise CellError("应为数字，例如 3 或 1.5")
        return number

    def _parse_date(self, raw: Any) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = cell_text(raw)
        match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        raise CellError("日期格式不正确，应为 2024-03-01 这样的日期")

    def _parse_bool(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        text = cell_text(raw).lower()
        if text in ("是", "y", "yes", "true", "1", "√"):
            return True
        if text in ("否", "n", "no", "false", "0", "×"):
            return False
        raise CellError("应填写“是”或“否”")

    def _parse_choice(self, raw: Any) -> str:
        return self._choice(cell_text(raw))

    def _parse_multi(self, raw: Any) -> list[str]:
        values = []
        for part in SPLIT_MULTI.split(cell_text(raw)):
            part = part.strip()
            if part:
                try:
                    values.append(self._choice(part))
                except CellError as exc:
                    raise CellError(f"“{part}”{exc}") from None
        return list(dict.fromkeys(values))

    def to_cell(self, value: Any) -> Any:
        """The value written into an exported/template cell."""
        if value is None:
            return ""
        if self.kind == "choice":
            return dict(self.choices).get(value, value)
        if self.kind == "multi":
            labels = dict(self.choices)
            return "、".join(labels.get(v, v) for v in value)
        if self.kind == "bool":
            return "是" if value else "否"
        if self.kind == "decimal" and isinstance(value, Decimal):
            return float(value) if value != value.to_integral_value() else int(value)
        return value


_EMPTY = {"multi": [], "bool": False, "int": None, "decimal": None, "date": None}


def cell_text(raw: Any) -> str:
    """A cell as text; whole numbers (phones typed as numbers) lose the ``.0``."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (datetime, date)):
        return raw.isoformat()
    return str(raw).strip()


# ---------------------------------------------------------------------------
# Rows, problems, report
# ---------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表头"
        column = f"“{self.column}”列" if self.column else ""
        value = f"（值：{self.value}）" if self.value else ""
        return f"{where}{column}{value}：{self.reason}"


@dataclass(slots=True)
class ImportRow:
    number: int
    values: dict
    raw: dict
    columns: dict
    problems: list[Problem] = field(default_factory=list)
    existing: Any = None

    def problem(self, key: str, reason: str) -> None:
        column = self.columns.get(key)
        header = column.header if column else key
        self.problems.append(Problem(self.number, header, cell_text(self.raw.get(key, "") or ""), reason))


@dataclass
class ImportReport:
    bank: str
    state: str = "checked"  # invalid | needs_decision | imported
    total_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "bank": self.bank,
            "state": self.state,
            "total_rows": self.total_rows,
            "problems": [p.as_dict() for p in self.problems],
            "duplicates": self.duplicates,
            "ignored_columns": self.ignored_columns,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
        }


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _read_bytes(upload) -> bytes:
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload)
    if isinstance(upload, (str, Path)):
        return Path(upload).read_bytes()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read()


def check_upload(upload, filename: str = "") -> bytes:
    """The file's bytes if it is a plausible xlsx within the size limit; else DomainError."""
    size = getattr(upload, "size", None)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise DomainError(_too_big(size, limit), code="file_too_large", field="file")
    if filename and not filename.lower().endswith(".xlsx"):
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file")
    data = _read_bytes(upload)
    if len(data) > limit:
        raise DomainError(_too_big(len(data), limit), code="file_too_large", field="file")
    if not data.startswith(XLSX_MAGIC):
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file")
    return data


def _too_big(size: int, limit: int) -> str:
    return f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB，请拆分后分批导入。"


def read_sheet(data: bytes) -> tuple[int, Iterator[list]]:
    """(row count, rows) of the first sheet; DomainError if it is not a readable xlsx."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        return sheet.height, iter(sheet.iter_rows())
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
    except Exception as exc:  # calamine raises its own error classes for broken zips/XML
        if type(exc).__module__.startswith("python_calamine"):
            raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
        raise


def _clean_header(text: Any) -> str:
    return cell_text(text or "").replace("*", "").replace("＊", "").strip()


# ---------------------------------------------------------------------------
# Importers and their registry
# ---------------------------------------------------------------------------

_registry: dict[str, type[Importer]] = {}
_discovered = False


def register(importer_cls: type[Importer]) -> type[Importer]:
    _registry[importer_cls.bank] = importer_cls
    return importer_cls


def autodiscover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("excel")
        _discovered = True


def importers() -> dict[str, type[Importer]]:
    autodiscover()
    return dict(sorted(_registry.items()))


def get_importer(bank: str) -> type[Importer]:
    registry = importers()
    if bank not in registry:
        names = "、".join(f"{key}（{cls.label}）" for key, cls in registry.items())
        raise DomainError(f"未知的数据类型“{bank}”，可选：{names}。", code="unknown_bank")
    return registry[bank]


class Importer:
    """Base of a bank's importer. Subclasses set the class attributes and the hooks."""

    bank: str = ""
    label: str = ""
    model: Any = None
    columns: list[Column] = []
    audit_action: str = ""

    def __init__(self, *, by, school, on_duplicate: str | None = None):
        if on_duplicate not in (None, "", "skip", "update"):
            raise DomainError("重复记录的处理方式只能是“跳过”(skip)或“更新”(update)。", field="on_duplicate")
        self.by = by
        self.school = school
        self.on_duplicate = on_duplicate or None
        self._schools_by_code: dict | None = None
        self._allowed_school_ids: set[int] | None = None

    # -- hooks for subclasses ------------------------------------------------
    def prepare(self, rows: list[ImportRow]) -> None:
        """Load lookup data once for all rows (existing records, teachers by name …)."""

    def check_row(self, row: ImportRow) -> None:
        """Cross-column checks and lookups; report with ``row.problem(key, reason)``."""

    def duplicate_key(self, row: ImportRow):
        return None

    def describe(self, row: ImportRow) -> str:
        return str(row.values.get(self.columns[0].key, ""))

    def find_existing(self, row: ImportRow):
        return None

    def create_objects(self, rows: list[ImportRow]) -> list:
        """Save new rows (bulk, in batches); return the saved objects or just their primary keys."""
        raise NotImplementedError

    def update_object(self, obj, row: ImportRow):
        raise NotImplementedError

    def export_values(self, obj, viewer) -> dict:
        raise NotImplementedError

    # -- shared helpers ----------------------------------------------------------
    @property
    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

    def school_for_code(self, code: str):
        if self._schools_by_code is None:
            from yiwang.network.models import School

            self._schools_by_code = {s.code: s for s in School.objects.filter(is_active=True)}
        return self._schools_by_code.get(code)

    def may_import_into(self, school) -> bool:
        """The CLI (``by=None``) may import anywhere; a person only into schools they edit."""
        if self.by is None:
            return True
        if self._allowed_school_ids is None:
            from yiwang.network.rules import staff_school_ids

            self._allowed_school_ids = set(staff_school_ids(self.by))
        return school.pk in self._allowed_school_ids

    def resolve_school(self, row: ImportRow, key: str = "school") -> None:
        """Replace the school code in ``row.values[key]`` with the School (blank → the import's school)."""
        code = row.values.get(key) or ""
        if not code:
            row.values[key] = self.school
            return
        school = self.school_for_code(code)
        if school is None:
            row.problem(key, f"未知的学校代码“{code}”")
        elif not self.may_import_into(school):
            row.problem(key, f"您无权向{school.name}导入数据")
        else:
            row.values[key] = school

    # -- the flow ------------------------------------------------------------------
    def check(
        self, data: bytes, progress: Callable[[int, int], None] | None = None
    ) -> tuple[ImportReport, list[ImportRow]]:
        """Check every row; return the report and the parsed rows. Writes nothing."""
        report = ImportReport(bank=self.bank)
        height, rows_iter = read_sheet(data)
        header = next(rows_iter, None)
        if header is None:
            report.problems.append(Problem(0, "", "", "文件是空的：第 1 行应为表头"))
            report.state = "invalid"
            return report, []
        mapping = self._map_header(header, report)
        if report.problems:
            report.state = "invalid"
            return report, []
        example = self._example_cells()
        self._columns_by_key = {c.key: c for c in self.columns}
        self._import_columns = self.import_columns
        rows: list[ImportRow] = []
        total = max(height - 1, 0)
        for number, raw_cells in enumerate(rows_iter, start=2):
            raw = {key: raw_cells[index] if index < len(raw_cells) else "" for key, index in mapping.items()}
            if all(cell_text(v) == "" for v in raw.values()):
                continue
            if example and all(cell_text(raw.get(k, "")) == v for k, v in example.items()):
                continue  # the template's example row, left in place
            del raw_cells
            rows.append(self._parse_row(number, raw))
            if progress and number % PROGRESS_EVERY == 0:
                progress(number - 1, total)
        report.total_rows = len(rows)
        self.prepare(rows)
        self._check_rows(rows, report)
        if progress:
            progress(total, total)
        return report, rows

    def _map_header(self, header: list, report: ImportReport) -> dict[str, int]:
        positions = {_clean_header(text): index for index, text in enumerate(header) if _clean_header(text)}
        mapping = {}
        for column in self.import_columns:
            if column.header in positions:
                mapping[column.key] = positions[column.header]
            elif column.required:
                report.problems.append(
                    Problem(1, column.header, "", f"缺少必填列“{column.header}”，请使用最新模板")
                )
        known = {c.header for c in self.columns}
        report.ignored_columns = [h for h in positions if h not in known]
        return mapping

    def _example_cells(self) -> dict[str, str]:
        return {c.key: cell_text(c.example) for c in self.import_columns if cell_text(c.example)}

    def _parse_row(self, number: int, raw: dict) -> ImportRow:
        row = ImportRow(number=number, values={}, raw=raw, columns=self._columns_by_key)
        for column in self._import_columns:
            try:
                row.values[column.key] = column.parse(raw.get(column.key))
            except CellError as exc:
                row.problem(column.key, str(exc))
        return row

    def _check_rows(self, rows: list[ImportRow], report: ImportReport) -> None:
        first_seen: dict = {}
        for row in rows:
            if not row.problems:
                self.check_row(row)
            if not row.problems:
                key = self.duplicate_key(row)
                if key is not None and key in first_seen:
                    row.problems.append(
                        Problem(row.number, "", self.describe(row), f"与第 {first_seen[key]} 行重复")
                    )
                elif key is not None:
                    first_seen[key] = row.number
            if not row.problems:
                row.existing = self.find_existing(row)
                if row.existing is not None:
                    report.duplicates.append(
                        {
                            "row": row.number,
                            "item": self.describe(row),
                            "existing_id": row.existing.pk,
                            "existing": str(row.existing),
                        }
                    )
            report.problems.extend(row.problems)
            if not row.problems:
                row.raw = None  # only rows with problems need their raw cells (memory on large files)
        if report.problems:
            report.state = "invalid"
        elif report.duplicates and not self.on_duplicate:
            report.state = "needs_decision"

    def run(self, data: bytes, progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Check, then — only if clean and decided — save everything in one transaction."""
        report, rows = self.check(data, progress)
        if report.state in ("invalid", "needs_decision"):
            return report
        self._save(rows, report)
        report.state = "imported"
        return report

    def _save(self, rows: list[ImportRow], report: ImportReport) -> None:
        from yiwang.activity.services import record_audit

        new_rows = [r for r in rows if r.existing is None]
        duplicate_rows = [r for r in rows if r.existing is not None]
        with transaction.atomic():
            saved = self.create_objects(new_rows)
            report.created = len(saved)
            if self.on_duplicate == "update":
                for row in duplicate_rows:
                    saved.append(self.update_object(row.existing, row))
                report.updated = len(duplicate_rows)
            else:
                report.skipped = len(duplicate_rows)
            record_audit(
                actor=self.by,
                action=self.audit_action or f"{self.bank}.imported",
                school=self.school,
                object_repr=f"导入{self.label} {report.created} 条新建、{report.updated} 条更新、{report.skipped} 条跳过",
                after={
                    "created": report.created,
                    "updated": report.updated,
                    "skipped": report.skipped,
                    "rows": report.total_rows,
                },
            )
            _announce_changed(self.model, saved)


def _announce_changed(model, saved: list) -> None:
    """Tell the search index (after commit). Uses a bulk hook ``items_changed(model, pks)`` when
    ``core.indexing`` offers one, else ``item_changed`` per object. ``saved``: objects or pks."""
    from yiwang.core import indexing

    pks = [item if isinstance(item, int) else item.pk for item in saved]
    bulk = getattr(indexing, "items_changed", None)
    if bulk is not None and pks:
        bulk(model, pks)
        return
    for pk in pks:
        indexing.item_changed(model(pk=pk))


# ---------------------------------------------------------------------------
# Sharing scope columns (every Shareable bank uses the same two columns)
# ---------------------------------------------------------------------------


def sharing_columns() -> list[Column]:
    from yiwang.network.enums import SharingScope

    return [
        Column(
            "scope",
            "共享范围",
            kind="choice",
            choices=tuple(SharingScope.choices),
            default=SharingScope.SYSTEM,
            example="本系统",
            help="留空为“本系统”",
        ),
        Column(
            "share_with",
            "协作共享对象",
            max_length=500,
            width=24,
            help="共享范围为“协作”时填写：联盟名称或对口支援学校代码，多个用顿号分隔",
        ),
    ]


class SharingResolver:
    """Turns the 共享范围 / 协作共享对象 cells into a scope with alliances and partnerships (and back)."""

    def __init__(self):
        from yiwang.network.models import Alliance, SupportPartnership

        self.alliances = {a.name: a for a in Alliance.objects.prefetch_related("memberships")}
        self.alliance_members = {
            a.pk: {m.school_id for m in a.memberships.all()} for a in self.alliances.values()
        }
        self.partnerships = list(SupportPartnership.objects.select_related("supporter", "supported"))

    def resolve(self, row: ImportRow, school) -> None:
        """Set ``row.values['alliances']`` and ``['partnerships']``; problems on the share_with column."""
        from yiwang.network.enums import SharingScope

        names = [n.strip() for n in SPLIT_MULTI.split(row.values.get("share_with") or "") if n.strip()]
        row.values["alliances"], row.values["partnerships"] = [], []
        scope = row.values.get("scope")
        if scope != SharingScope.PARTNERS:
            if names:
                row.problem("share_with", "只有共享范围为“协作”时才能填写协作共享对象")
            return
        if not names:
            row.problem("share_with", "共享范围为“协作”时，须填写至少一个联盟名称或对口支援学校代码")
            return
        for name in names:
            alliance = self.alliances.get(name)
            if alliance is not None:
                if school.pk not in self.alliance_members[alliance.pk]:
                    row.problem("share_with", f"{school.short_name}不是“{name}”的成员，不能向其共享")
                else:
                    row.values["alliances"].append(alliance)
                continue
            partnership = next(
                (p for p in self.partnerships if {p.supporter.code, p.supported.code} == {school.code, name}),
                None,
            )
            if partnership is not None:
                row.values["partnerships"].append(partnership)
            elif any(
                name in (p.supporter.code, p.supported.code) for p in self.partnerships
            ) or _school_exists(name):
                row.problem("share_with", f"{school.short_name}与学校“{name}”没有对口支援关系")
            else:
                row.problem("share_with", f"未知的学校代码或联盟名称“{name}”")

    @staticmethod
    def describe(obj) -> str:
        """The 协作共享对象 cell of an exported item (needs shared_alliances/partnerships prefetched)."""
        parts = [a.name for a in obj.shared_alliances.all()]
        for p in obj.shared_partnerships.all():
            parts.append(p.supported.code if p.supporter_id == obj.owner_school_id else p.supporter.code)
        return "、".join(parts)


def _school_exists(code: str) -> bool:
    from yiwang.network.models import School

    return School.objects.filter(code=code).exists()


def save_sharing(items: list[tuple[Any, list, list]]) -> None:
    """Bulk-set the picked alliances/partnerships of newly created items: [(obj, alliances, partnerships)]."""
    if not items:
        return
    model = type(items[0][0])
    alliance_through = model.shared_alliances.through
    partnership_through = model.shared_partnerships.through
    item_field = model._meta.get_field("shared_alliances").m2m_field_name() + "_id"
    alliance_rows = [
        alliance_through(**{item_field: obj.pk, "alliance_id": a.pk})
        for obj, alliances, _ in items
        for a in alliances
    ]
    partnership_rows = [
        partnership_through(**{item_field: obj.pk, "supportpartnership_id": p.pk})
        for obj, _, partnerships in items
        for p in partnerships
    ]
    alliance_through.objects.bulk_create(alliance_rows, batch_size=BATCH_SIZE)
    partnership_through.objects.bulk_create(partnership_rows, batch_size=BATCH_SIZE)


# ---------------------------------------------------------------------------
# Writing: templates and exports
# ---------------------------------------------------------------------------


def _style_header(ws, columns: list[Column]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

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
            cell.comment = Comment("\n".join(notes), "一网")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"


def build_template(importer_cls: type[Importer]) -> bytes:
    """The bank's template: Chinese headers, one example row, drop-down lists for choice columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = [c for c in importer_cls.columns if not c.export_only]
    workbook = Workbook()
    ws = workbook.active
    ws.title = f"{importer_cls.label}导入"
    ws.append([c.header for c in columns])
    ws.append([c.example for c in columns])
    for cell in ws[2]:
        cell.font = Font(italic=True, color="5F6368")
    _style_header(ws, columns)
    options = workbook.create_sheet("可选值")
    options.sheet_state = "hidden"
    option_col = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.kind == "choice" or column.kind == "bool":
            values = column.labels if column.kind == "choice" else ["是", "否"]
            option_col += 1
            opt_letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=column.header)
            for r, value in enumerate(values, start=2):
                options.cell(row=r, column=option_col, value=value)
            formula = f"'可选值'!${opt_letter}$2:${opt_letter}${len(values) + 1}"
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="不在可选范围内",
                error=f"请从下拉列表中选择{column.header}。",
            )
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}10000")
        elif column.kind == "multi":
            validation = DataValidation(
                type="custom",
                formula1="TRUE",
                allow_blank=True,
                showInputMessage=True,
                promptTitle=column.header,
                prompt=f"可填多个，用顿号分隔：{'、'.join(column.labels)}"[:250],
            )
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}10000")
        elif column.kind == "date":
            for row in ws.iter_rows(min_row=2, max_row=2, min_col=index, max_col=index):
                row[0].number_format = "yyyy-mm-dd"
    readme = workbook.create_sheet("填写说明")
    readme.append(["说明"])
    readme.append(["第 1 行为表头，请勿修改；第 2 行为示例，原样保留时导入会自动忽略，也可以直接覆盖。"])
    readme.append(["红色表头为必填列；选择类的列请用下拉列表；日期写作 2024-03-01。"])
    readme.append(["“学校代码”留空时，记录归入导入页面所选的学校。"])
    readme.column_dimensions["A"].width = 90
    return _save_workbook(workbook)


def _save_workbook(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_workbook(importer_cls: type[Importer], objects: Iterable, viewer) -> bytes:
    """An xlsx of ``objects`` (already filtered by the bank's visibility selector)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    importer = importer_cls(by=viewer, school=None)
    columns = [c for c in importer.columns if not c.import_only]
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(f"{importer_cls.label}")
    for index, column in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + index) if index < 26 else "A"].width = column.width
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for obj in objects:
        values = importer.export_values(obj, viewer)
        ws.append([column.to_cell(values.get(column.key)) for column in columns])
    return _save_workbook(workbook)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str):
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def export_response(importer_cls: type[Importer], objects: Iterable, viewer, filename: str):
    return xlsx_response(export_workbook(importer_cls, objects, viewer), filename)


# ---------------------------------------------------------------------------
# Background import jobs (upload → check/import task → status page)
# ---------------------------------------------------------------------------


def jobs_dir() -> Path:
    configured = getattr(settings, "IMPORT_JOBS_DIR", None)
    if configured:
        return Path(configured)
    media = Path(settings.MEDIA_ROOT)
    return media.with_name(media.name + "-imports")


def _job_path(job_id: str) -> Path:
    try:
        uuid.UUID(str(job_id))
    except ValueError:
        raise NotFoundError() from None
    return jobs_dir() / str(job_id)


def _write_status(job_id: str, status: dict) -> None:
    path = _job_path(job_id)
    tmp = path / f"status.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path / "status.json")


def read_job(job_id: str, user) -> dict:
    """The job's status for its owner; NotFoundError for anyone else or a missing job."""
    path = _job_path(job_id) / "status.json"
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFoundError() from None
    if status.get("user_id") != getattr(user, "pk", None):
        raise NotFoundError()
    return status


def start_import_job(*, bank: str, upload, filename: str, school, by, on_duplicate: str | None = None) -> str:
    """Check the upload's size/type now, store it, and queue the import task. Returns the job id."""
    from yiwang.network.rules import can_edit_bank_item

    importer_cls = get_importer(bank)
    if not can_edit_bank_item(by, school):
        raise PermissionDeniedError(
            f"只有{school.name}的管理员、教务、培训或科研人员可以导入{importer_cls.label}。"
        )
    importer_cls(by=by, school=school, on_duplicate=on_duplicate)  # validates on_duplicate
    data = check_upload(upload, filename)
    job_id = str(uuid.uuid4())
    path = _job_path(job_id)
    path.mkdir(parents=True, exist_ok=True)
    (path / "upload.xlsx").write_bytes(data)
    _write_status(
        job_id,
        {
            "id": job_id,
            "bank": bank,
            "label": importer_cls.label,
            "user_id": by.pk,
            "school_id": school.pk,
            "school_name": school.name,
            "filename": filename,
            "on_duplicate": on_duplicate,
            "state": "queued",
            "checked": 0,
            "total": 0,
            "report": None,
            "error": "",
        },
    )
    _enqueue(job_id)
    return job_id


def decide_duplicates(*, job_id: str, by, on_duplicate: str) -> None:
    """The person chose skip/update for the listed duplicates: run the import again with that choice."""
    status = read_job(job_id, by)
    if status["state"] != "needs_decision":
        raise DomainError("该导入当前无需选择重复记录的处理方式。")
    if on_duplicate not in ("skip", "update"):
        raise DomainError("请选择“跳过重复记录”或“更新重复记录”。", field="on_duplicate")
    status.update(on_duplicate=on_duplicate, state="queued", checked=0, report=None)
    _write_status(job_id, status)
    _enqueue(job_id)


def _enqueue(job_id: str) -> None:
    run_import_job.enqueue(job_id)


def execute_import_job(job_id: str) -> dict:
    """Run one queued job (called by the task). Progress and the report go into the status file."""
    from yiwang.accounts.models import User
    from yiwang.network.models import School

    path = _job_path(job_id)
    status = json.loads((path / "status.json").read_text(encoding="utf-8"))
    status["state"] = "running"
    _write_status(job_id, status)

    def progress(checked: int, total: int) -> None:
        status.update(checked=checked, total=total)
        _write_status(job_id, status)

    try:
        importer = get_importer(status["bank"])(
            by=User.objects.get(pk=status["user_id"]),
            school=School.objects.get(pk=status["school_id"]),
            on_duplicate=status.get("on_duplicate"),
        )
        report = importer.run((path / "upload.xlsx").read_bytes(), progress)
        status.update(state=report.state, report=report.as_dict())
    except DomainError as exc:
        status.update(state="invalid", report=None, error=exc.message)
    _write_status(job_id, status)
    if status["state"] == "imported":
        (path / "upload.xlsx").unlink(missing_ok=True)
    return {"state": status["state"]}


@task()
def run_import_job(job_id: str) -> dict:
    """The background task of one import (``yiwang db_worker`` runs it in dev/production)."""
    return execute_import_job(job_id)


# ---------------------------------------------------------------------------
# Generic pages (each bank mounts them in its own urls.py)
# ---------------------------------------------------------------------------


def template_view(request, *, bank: str):
    importer_cls = get_importer(bank)
    return xlsx_response(build_template(importer_cls), f"{importer_cls.label}导入模板.xlsx")


def import_view(request, *, bank: str, list_url: str, template_url: str, status_url_name: str):
    """Upload form (GET) and start of an import job (POST)."""
    from django.contrib import messages
    from django.shortcuts import redirect, render

    from yiwang.network.models import School
    from yiwang.network.rules import staff_school_ids

    importer_cls = get_importer(bank)
    schools = list(
        School.objects.filter(pk__in=staff_school_ids(request.user), is_active=True).order_by("code")
    )
    error = ""
    if request.method == "POST":
        school = next((s for s in schools if str(s.pk) == request.POST.get("school")), None)
        upload = request.FILES.get("file")
        try:
            if school is None:
                raise DomainError("请选择要导入到的学校（须是您担任管理员、教务、培训或科研人员的学校）。")
            if upload is None:
                raise DomainError("请选择要上传的 Excel 文件。")
            job_id = start_import_job(
                bank=bank,
                upload=upload,
                filename=upload.name,
                school=school,
                by=request.user,
                on_duplicate=request.POST.get("on_duplicate") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "文件已上传，正在检查。")
            return redirect(status_url_name, job_id=job_id)
    return render(
        request,
        "core/excel_import.html",
        {
            "label": importer_cls.label,
            "columns": importer_cls.columns,
            "schools": schools,
            "error": error,
            "list_url": list_url,
            "bank": bank,
            "template_url": template_url,
            "max_mb": settings.IMPORT_MAX_BYTES // 1048576,
        },
        status=400 if error else 200,
    )


def import_status_view(request, *, job_id: str, list_url: str):
    """Progress (polled by htmx while running), problems, duplicate choice, result."""
    from django.shortcuts import redirect, render

    if request.method == "POST":
        try:
            decide_duplicates(
                job_id=job_id, by=request.user, on_duplicate=request.POST.get("on_duplicate", "")
            )
        except NotFoundError:
            raise
        except DomainError as exc:
            from django.contrib import messages

            messages.error(request, exc.message)
        return redirect(request.path)
    status = read_job(job_id, request.user)
    report = status.get("report") or {}
    context = {
        "job": status,
        "report": report,
        "list_url": list_url,
        "problems": report.get("problems", [])[:1000],
        "problem_count": len(report.get("problems", [])),
        "running": status["state"] in ("queued", "running"),
        "percent": int(100 * status["checked"] / status["total"]) if status.get("total") else 0,
    }
    template = (
        "core/excel_import_progress.html"
        if request.headers.get("HX-Request")
        else "core/excel_import_status.html"
    )
    return render(request, template, context)

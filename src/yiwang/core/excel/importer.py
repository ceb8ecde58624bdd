"""The generic importer (check every row, then save all or nothing) and the registry.

Knows no school, bank or person: a bank's importer (``yiwang.banks.excel.BankImporter``)
adds the target school, sharing columns and audit. ``autodiscover()`` imports every
installed app's ``excel`` module, so ``get_importer("teacher")`` and ``yiwang import``
find each bank without further wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from yiwang.core import indexing
from yiwang.core.db import model_tables, refresh_planner_statistics
from yiwang.core.errors import DomainError

from .columns import CellError, Column, cell_text
from .reading import clean_header, read_sheet
from .report import ImportReport, ImportRow, Problem

BATCH_SIZE = 2000
PROGRESS_EVERY = 2000
DUPLICATE_CHOICES = ("skip", "update")

_registry: dict[str, type[Importer]] = {}
_discovered = False


def register(importer_cls: type[Importer]) -> type[Importer]:
    _registry[importer_cls.bank] = importer_cls
    return importer_cls


def autodiscover() -> None:
    global _discovered
    if not _discovered:
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


def check_on_duplicate(on_duplicate: str | None) -> str | None:
    if on_duplicate not in (None, "", *DUPLICATE_CHOICES):
        raise DomainError("重复记录的处理方式只能是“跳过”(skip)或“更新”(update)。", field="on_duplicate")
    return on_duplicate or None


class Importer:
    """Base of an importer. Subclasses set the class attributes and the hooks."""

    bank: str = ""
    label: str = ""
    model: Any = None
    columns: list[Column] = []
    #: True when ``create_objects``/``update_objects`` do not announce to the search index
    #: themselves (batch services do: then False, so nothing is announced twice).
    announce_saved: bool = True

    def __init__(self, *, by, on_duplicate: str | None = None):
        self.by = by
        self.on_duplicate = check_on_duplicate(on_duplicate)

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
        """Save new rows (in batches); return the saved objects or just their primary keys."""
        raise NotImplementedError

    def update_objects(self, pairs: list[tuple[Any, ImportRow]]) -> list:
        """Update existing objects from their rows; return the saved objects or primary keys."""
        return [self.update_object(obj, row) for obj, row in pairs]

    def update_object(self, obj, row: ImportRow):
        raise NotImplementedError

    def after_save(self, report: ImportReport) -> None:
        """Inside the import's transaction, after every row is saved (e.g. a summary audit)."""

    def export_values(self, obj, viewer) -> dict:
        raise NotImplementedError

    # -- the flow ------------------------------------------------------------------
    @property
    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

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
        positions = {clean_header(text): index for index, text in enumerate(header) if clean_header(text)}
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
                row.raw = None  # only rows with problems need their raw cells (memory)
        if report.problems:
            report.state = "invalid"
        elif report.duplicates and not self.on_duplicate:
            report.state = "needs_decision"

    def run(self, data: bytes, progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Check, then — only if clean and decided — save everything in one transaction."""
        report, rows = self.check(data, progress)
        if report.state in ("invalid", "needs_decision"):
            return report
        self.save(rows, report)
        report.state = "imported"
        if report.created or report.updated:
            # A bulk load leaves the planner without statistics (SQLite) or behind (PostgreSQL).
            refresh_planner_statistics(model_tables(self.model))
        return report

    def save(self, rows: list[ImportRow], report: ImportReport) -> None:
        new_rows = [r for r in rows if r.existing is None]
        duplicate_rows = [r for r in rows if r.existing is not None]
        with transaction.atomic():
            saved = list(self.create_objects(new_rows))
            report.created = len(saved)
            if self.on_duplicate == "update":
                saved.extend(self.update_objects([(r.existing, r) for r in duplicate_rows]))
                report.updated = len(duplicate_rows)
            else:
                report.skipped = len(duplicate_rows)
            self.after_save(report)
            if self.announce_saved:
                announce_changed(self.model, saved)


def announce_changed(model, saved: list) -> None:
    """Tell the search index, in one batch after commit. ``saved``: objects or primary keys."""
    pks = [item if isinstance(item, int) else item.pk for item in saved if item is not None]
    if pks:
        indexing.items_changed(model, pks)

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
from .reading import clean_header, open_sheet
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
    def setup(self) -> None:
        """Load the lookups that do not depend on the rows, once per import (all teachers …)."""

    def prepare(self, rows: list[ImportRow]) -> None:
        """Load what the next batch of rows needs (existing records of their schools, teachers
        named in them …) before they are checked. Called once per batch of ``BATCH_SIZE``
        parsed rows, so it adds to what earlier batches loaded rather than replacing it."""

    def check_row(self, row: ImportRow) -> None:
        """Cross-column checks and lookups; report with ``row.problem(key, reason)``."""

    def duplicate_key(self, row: ImportRow):
        return None

    def describe(self, row: ImportRow) -> str:
        return str(row.values.get(self.columns[0].key, ""))

    def find_existing(self, row: ImportRow):
        return None

    def keep(self, row: ImportRow) -> Any:
        """What the write needs of a clean, checked row — kept for every row until the file is
        checked, so it should be small (the default: the parsed values)."""
        return row.values

    def create_objects(self, rows: list) -> list:
        """Save new rows (``keep(row)`` of each, one batch); return the saved objects or their
        primary keys."""
        raise NotImplementedError

    def update_objects(self, pairs: list[tuple[Any, Any]]) -> list:
        """Update existing objects from their rows (``(obj, keep(row))``, one batch); return
        the saved objects or primary keys."""
        return [self.update_object(obj, row) for obj, row in pairs]

    def update_object(self, obj, row):
        raise NotImplementedError

    def after_save(self, report: ImportReport) -> None:
        """Inside the import's transaction, after every row is saved (e.g. a summary audit)."""

    def touched_tables(self) -> list[str]:
        """The tables an import writes, whose planner statistics are refreshed afterwards."""
        return model_tables(self.model)

    def export_values(self, obj, viewer) -> dict:
        raise NotImplementedError

    # -- the flow ------------------------------------------------------------------
    @property
    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

    def check(
        self, data: bytes, progress: Callable[[int, int], None] | None = None
    ) -> tuple[ImportReport, list[tuple[Any, Any]]]:
        """Check every row; return the report and, when every row is clean, ``(existing,
        keep(row))`` of each row. Writes nothing.

        The sheet is streamed (``streaming.StreamedSheet``) and checked in batches of
        ``BATCH_SIZE`` rows: ``prepare(batch)``, then every row of it — its cells, ``check_row``,
        the duplicate key, ``find_existing``. A row is dropped once checked; only what the write
        needs of it (``keep``) stays, and nothing more once a problem is found (nothing will be
        written). Every problem of every row is reported."""
        report = ImportReport(bank=self.bank)
        sheet = open_sheet(data)
        rows_iter = iter(sheet)
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
        self.setup()
        total = max((sheet.height or sheet.count_rows()) - 1, 0) if progress else 0
        kept: list[tuple[Any, Any]] = []
        first_seen: dict = {}
        batch: list[ImportRow] = []
        positions = list(mapping.items())
        for number, raw_cells in enumerate(rows_iter, start=2):
            size = len(raw_cells)
            raw = {key: raw_cells[index] if index < size else "" for key, index in positions}
            if not any(_filled(v) for v in raw.values()):
                continue
            if example and all(cell_text(raw.get(k, "")) == v for k, v in example.items()):
                continue  # the template's example row, left in place
            batch.append(self._parse_row(number, raw))
            if len(batch) >= BATCH_SIZE:
                self._check_batch(batch, report, first_seen, kept)
                batch = []
            if progress and number % PROGRESS_EVERY == 0:
                progress(number - 1, max(total, number - 1))
        self._check_batch(batch, report, first_seen, kept)
        if report.problems:
            report.state = "invalid"
            kept = []
        elif report.duplicates and not self.on_duplicate:
            report.state = "needs_decision"
        if progress:
            progress(report.total_rows, report.total_rows)
        return report, kept

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
        values = row.values
        for column in self._import_columns:
            try:
                values[column.key] = column.parse(raw.get(column.key))
            except CellError as exc:
                row.problem(column.key, str(exc))
        return row

    def _check_batch(self, rows: list[ImportRow], report: ImportReport, first_seen: dict, kept: list) -> None:
        if not rows:
            return
        report.total_rows += len(rows)
        self.prepare(rows)
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
            existing = None
            if not row.problems:
                existing = self.find_existing(row)
                if existing is not None:
                    report.duplicates.append(
                        {
                            "row": row.number,
                            "item": self.describe(row),
                            "existing_id": existing.pk,
                            "existing": str(existing),
                        }
                    )
            if row.problems:
                report.problems.extend(row.problems)
                kept.clear()  # nothing will be written: keep nothing more
            elif not report.problems:
                kept.append((existing, self.keep(row)))

    def run(self, data: bytes, progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Check, then — only if clean and decided — save everything in one transaction."""
        report, kept = self.check(data, progress)
        if report.state in ("invalid", "needs_decision"):
            return report
        self.save(kept, report)
        report.state = "imported"
        if report.created or report.updated:
            # A bulk load leaves the planner without statistics (SQLite) or behind (PostgreSQL).
            refresh_planner_statistics(self.touched_tables())
        return report

    def save(self, kept: list[tuple[Any, Any]], report: ImportReport) -> None:
        """Write the checked rows in batches of ``BATCH_SIZE`` — the new ones, then (when asked)
        the updates — all in one transaction; a row is let go once written."""
        with transaction.atomic():
            for start in range(0, len(kept), BATCH_SIZE):
                end = min(start + BATCH_SIZE, len(kept))
                rows = [row for existing, row in kept[start:end] if existing is None]
                if rows:
                    self._saved(self.create_objects(rows))
                    report.created += len(rows)
                for index in range(start, end):
                    if kept[index][0] is None:
                        kept[index] = _WRITTEN
            duplicates = [pair for pair in kept if pair[0] is not None]
            kept.clear()
            if self.on_duplicate == "update":
                for start in range(0, len(duplicates), BATCH_SIZE):
                    self._saved(self.update_objects(duplicates[start : start + BATCH_SIZE]))
                    report.updated += len(duplicates[start : start + BATCH_SIZE])
            else:
                report.skipped = len(duplicates)
            self.after_save(report)

    def _saved(self, saved) -> None:
        if self.announce_saved:
            announce_changed(self.model, list(saved))


_WRITTEN = (None, None)


def _filled(value) -> bool:
    """``cell_text(value) != ""``, without building the text of every cell."""
    if isinstance(value, str):
        return bool(value) and not value.isspace()
    return cell_text(value) != ""


def announce_changed(model, saved: list) -> None:
    """Tell the search index, in one batch after commit. ``saved``: objects or primary keys."""
    pks = [item if isinstance(item, int) else item.pk for item in saved if item is not None]
    if pks:
        indexing.items_changed(model, pks)

"""What a check finds: one :class:`Problem` per bad cell, the parsed rows, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .columns import cell_text


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

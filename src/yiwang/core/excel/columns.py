"""Column specs and cell parsing: one :class:`Column` per column of a bank's sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from yiwang.core.validators import CONTROL_CHARACTERS_REFUSED, has_control_characters

SPLIT_MULTI = re.compile(r"[、,，;；\n]+")
NEUTRALISED = ("=", "+", "-", "@")


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
        if isinstance(raw, str):
            if has_control_characters(raw):
                # The same input boundary as forms and the API (core.middleware): refused, never stored.
                raise CellError(CONTROL_CHARACTERS_REFUSED)
            if not raw or raw.isspace():
                return self._empty()
        elif raw is None:
            return self._empty()
        return self._parser(raw)

    def _empty(self) -> Any:
        if self.required:
            raise CellError("必填，不能为空")
        return self.default if self.default is not None else _EMPTY.get(self.kind, "")

    @cached_property
    def _parser(self):
        """The parser of this column's kind, looked up once (it runs for every cell)."""
        return getattr(self, f"_parse_{self.kind}")

    def _parse_text(self, raw: Any) -> str:
        text = cell_text(raw)
        if text[:1] == "'" and text[1:2] in NEUTRALISED:
            text = text[1:]  # our exports' formula guard (see writing.safe_text): round trip
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

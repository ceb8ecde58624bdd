"""Reporting periods: a year (2026), a quarter (2026Q3) or a month (2026-05), in Asia/Shanghai."""

import re
from dataclasses import dataclass
from datetime import date

from yiwang.core.errors import DomainError


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # year | quarter | month | custom
    start: date
    end: date  # exclusive
    label: str

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start}~{self.end}"

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls("year", date(year, 1, 1), date(year + 1, 1, 1), f"{year}年")

    @classmethod
    def quarter(cls, year: int, q: int) -> "Period":
        start = date(year, 3 * (q - 1) + 1, 1)
        return cls("quarter", start, _add_months(start, 3), f"{year}年第{'一二三四'[q - 1]}季度")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = date(year, month, 1)
        return cls("month", start, _add_months(start, 1), f"{year}年{month}月")

    @classmethod
    def parse(cls, text: str | None, *, today: date) -> "Period":
        """``2026`` / ``2026Q3`` / ``2026-05``; empty means this year. A future period is refused."""
        text = (text or "").strip().upper()
        if not text:
            return cls.year(today.year)
        if m := re.fullmatch(r"(\d{4})", text):
            period = cls.year(int(m[1]))
        elif m := re.fullmatch(r"(\d{4})Q([1-4])", text):
            period = cls.quarter(int(m[1]), int(m[2]))
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            if not 1 <= int(m[2]) <= 12:
                raise DomainError("统计期格式不正确，请使用 2026、2026Q3 或 2026-05。", field="period")
            period = cls.month(int(m[1]), int(m[2]))
        else:
            raise DomainError("统计期格式不正确，请使用 2026、2026Q3 或 2026-05。", field="period")
        if period.start.year < 2000:
            raise DomainError("统计期不能早于 2000 年。", field="period")
        if period.start > today:
            raise DomainError("统计期尚未开始，不能统计未来的数据。", field="period")
        return period

    def previous(self) -> "Period":
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        if self.kind == "quarter":
            prev = _add_months(self.start, -3)
            return Period.quarter(prev.year, (prev.month - 1) // 3 + 1)
        if self.kind == "month":
            prev = _add_months(self.start, -1)
            return Period.month(prev.year, prev.month)
        span = self.end - self.start
        return Period("custom", self.start - span, self.start, "")

    @staticmethod
    def buckets(start: date, end: date, by: str) -> list["Period"]:
        out = []
        if by == "month":
            cur = date(start.year, start.month, 1)
            while cur < end:
                out.append(Period.month(cur.year, cur.month))
                cur = _add_months(cur, 1)
        else:
            for year in range(start.year, end.year + (1 if date(end.year, 1, 1) < end else 0)):
                out.append(Period.year(year))
        return out

    def trend_span(self) -> tuple[date, date, str]:
        """What a board's trend chart covers for this period: 24 months up to a year's end (by month),
        or the 12 months up to a quarter's or month's end."""
        if self.kind == "year":
            return date(self.start.year - 1, 1, 1), self.end, "month"
        return _add_months(self.end, -12), self.end, "month"

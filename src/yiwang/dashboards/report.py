"""The annual cooperation report (年度报告): its content, its PDF and its workbook.

The content is computed once (``build_content``) from the indicator definitions, over what the
requester may see, and rendered twice: as an HTML page printed to PDF by WeasyPrint (Chinese
fonts from the system's Noto CJK, subset and embedded), and as an xlsx with one sheet per section.
Charts are small SVG bar charts drawn here, so the PDF needs no browser.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.db.models import Avg, Count
from django.template.loader import render_to_string
from django.utils import timezone

from yiwang.core.excel.writing import write_sheets
from yiwang.courses.enums import CourseStatus
from yiwang.courses.selectors import courses_visible_to
from yiwang.research.selectors import endorsements_visible_to

from . import indicators
from .periods import Period

CHINESE_NUMERALS = "零一二三四五六七八九十"
# The PDF lists the newest records of each indicator (the heading gives the exact total and says
# the list is cut); the workbook streams them (read in chunks, written row by row, never held).
RECORDS_PER_INDICATOR_PDF = 50
RECORDS_PER_INDICATOR_XLSX = 100_000


@dataclass
class ReportContent:
    title: str
    scope_label: str
    year: int
    generated_at: object
    sections: list[dict] = field(default_factory=list)
    highlights: dict = field(default_factory=dict)


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


def bar_chart_svg(labels: list[str], values: list, *, title: str, width: int = 640, height: int = 200) -> str:
    """A plain SVG bar chart (escaped labels; no script)."""
    numbers = [float(v) if v is not None else 0.0 for v in values]
    top = max(numbers) if numbers and max(numbers) > 0 else 1.0
    n = max(len(numbers), 1)
    left, bottom, plot_h = 36, 36, height - 60
    slot = (width - left - 10) / n
    bars = []
    for i, (label, v) in enumerate(zip(labels, numbers, strict=True)):
        h = plot_h * v / top
        x = left + i * slot + slot * 0.15
        y = 20 + plot_h - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#b5322f"/>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 2:.1f}" font-size="8" text-anchor="middle">{escape(_fmt(values[i]))}</text>'
        )
        if n <= 12 or i % 2 == 0:
            bars.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 14:.1f}" font-size="8" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f'<text x="{left}" y="12" font-size="10">{escape(title)}</text>'
        f'<line x1="{left}" y1="{20 + plot_h}" x2="{width - 10}" y2="{20 + plot_h}" stroke="#999"/>'
        + "".join(bars)
        + "</svg>"
    )


def _month_label(label: str) -> str:
    return label.split("年", 1)[-1]


def build_content(viewer, scope, year: int, progress=None) -> ReportContent:
    """Every section's indicator table, a chart per platform, highlights and the records behind."""
    period = Period.year(year)
    previous = period.previous()
    content = ReportContent(
        title=f"{scope.label}{year}年度合作交流报告",
        scope_label=scope.label,
        year=year,
        generated_at=timezone.localtime(),
    )
    items = indicators.indicators()
    by_platform: dict[str, list] = {}
    for ind in items:
        by_platform.setdefault(ind.platform, []).append(ind)
    if progress:
        progress(5, "统计指标")
    # every indicator, this year and the last, one statement per family (``values_over``)
    values = indicators.values_over(items, viewer, school_ids=scope.school_ids, periods=[period, previous])
    total_steps = len(items) + 2
    done = 0
    for key, label in indicators.PLATFORMS:
        platform_items = by_platform.get(key, [])
        if not platform_items:
            continue
        rows, records, chart = [], [], ""
        for ind in platform_items:
            value, before = values[ind.key]
            rows.append(
                {
                    "indicator": ind,
                    "value": value,
                    "previous": before,
                    "text": _fmt(value),
                    "previous_text": _fmt(before),
                }
            )
            if not ind.is_ratio:
                records.append(_records(ind, viewer, scope, period, value))
            done += 1
            if progress:
                progress(5 + int(done * 85 / total_steps), f"统计{ind.label}")
        first = next((i for i in platform_items if i.date_field and not i.is_ratio), None)
        if first is not None:
            series = indicators.series_of(
                first, viewer, school_ids=scope.school_ids, start=period.start, end=period.end, by="month"
            )
            chart = bar_chart_svg(
                [_month_label(lbl) for lbl, _ in series],
                [v for _, v in series],
                title=f"{first.label}（按月）",
            )
        content.sections.append(
            {"key": key, "label": label, "rows": rows, "records": records, "chart": chart}
        )
    for i, section in enumerate(content.sections, start=2):
        section["number"] = CHINESE_NUMERALS[i] if i < len(CHINESE_NUMERALS) else str(i)
    content.highlights = highlights(viewer, scope, period)
    if progress:
        progress(95, "整理亮点")
    return content


def _records(ind, viewer, scope, period: Period, value) -> dict:
    """One indicator's list: its exact total, the first rows for the PDF, and a stream for the workbook."""
    if ind.measure == "count":
        total = value  # the count is the list's own count (same rows)
    else:
        total = indicators.scoped_records(ind, viewer, school_ids=scope.school_ids, period=period).count()
    first = (
        list(
            indicators.stream_rows(
                ind, viewer, school_ids=scope.school_ids, period=period, limit=RECORDS_PER_INDICATOR_PDF
            )
        )
        if total
        else []
    )

    def stream():
        if total:
            yield from indicators.stream_rows(
                ind, viewer, school_ids=scope.school_ids, period=period, limit=RECORDS_PER_INDICATOR_XLSX
            )

    return {"indicator": ind, "total": total, "rows": first, "stream": stream}


def highlights(viewer, scope, period: Period) -> dict:
    """Top-rated sessions, 精品课 and verified 批示 of the year, within what the viewer may see."""
    sessions = (
        indicators.scoped_records(
            indicators.get("evaluations"), viewer, school_ids=scope.school_ids, period=period
        )
        .values(
            "session_id", "session__title", "session__date", "session__training_class__owner_school__name"
        )
        .annotate(avg=Avg("total"), n=Count("pk"))
        .filter(n__gte=1)
        .order_by("-avg", "-n", "session_id")[:5]
    )
    featured = courses_visible_to(viewer).filter(status=CourseStatus.FEATURED)
    if scope.school_ids is not None:
        featured = featured.filter(owner_school_id__in=scope.school_ids)
    endorsements = endorsements_visible_to(viewer, verified=True).filter(
        endorsed_on__gte=period.start, endorsed_on__lt=period.end
    )
    if scope.school_ids is not None:
        endorsements = endorsements.filter(output__owner_school_id__in=scope.school_ids)
    return {
        "sessions": [
            {
                "title": s["session__title"],
                "date": s["session__date"],
                "school": s["session__training_class__owner_school__name"],
                "average": Decimal(str(s["avg"])).quantize(Decimal("0.01")),
                "count": s["n"],
            }
            for s in sessions
        ],
        "featured": list(featured.select_related("owner_school").order_by("title")[:20]),
        "endorsements": list(
            endorsements.select_related("output__owner_school").order_by("-endorsed_on", "-id")[:20]
        ),
    }


def render_pdf(content: ReportContent) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 — a heavy third-party import, loaded only by the worker

    html = render_to_string(
        "dashboards/report_pdf.html", {"report": content, "records_limit": RECORDS_PER_INDICATOR_PDF}
    )
    return HTML(string=html).write_pdf()


def render_xlsx(content: ReportContent) -> bytes:
    def section_sheet(section):
        header = ["指标", "单位", "本年", "上年", "口径"]
        rows = [
            [
                r["indicator"].label,
                r["indicator"].unit,
                r["text"],
                r["previous_text"],
                r["indicator"].definition,
            ]
            for r in section["rows"]
        ]
        return (section["label"], header, rows)

    def record_lines(section):
        for rec in section["records"]:
            label = rec["indicator"].label
            for line in rec["stream"]():  # read in chunks and written at once: never held
                yield [label, line.title, line.school, line.day, line.detail]
            if rec["total"] > RECORDS_PER_INDICATOR_XLSX:
                yield [
                    label,
                    f"（共 {rec['total']} 条，本表列出最新的 {RECORDS_PER_INDICATOR_XLSX} 条；完整清单请在看板中查看）",
                    "",
                    None,
                    "",
                ]

    def records_sheet(section):
        header = ["指标", "名称", "学校", "日期", "说明"]
        return (f"{section['label']}明细", header, record_lines(section))

    sheets = [
        (
            "说明",
            ["项目", "内容"],
            [
                ["报告", content.title],
                ["生成时间", content.generated_at],
                ["口径", "只统计申请人有权查看的记录"],
            ],
        )
    ]
    for section in content.sections:
        sheets.append(section_sheet(section))
    for section in content.sections:
        sheets.append(records_sheet(section))
    h = content.highlights
    sheets.append(
        (
            "亮点",
            ["类别", "名称", "学校", "日期", "说明"],
            [
                ["好评课程", s["title"], s["school"], s["date"], f"均分 {s['average']}（{s['count']} 份）"]
                for s in h["sessions"]
            ]
            + [["精品课", c.title, c.owner_school.name, None, ""] for c in h["featured"]]
            + [
                [
                    "领导批示",
                    e.output.title,
                    e.output.owner_school.name,
                    e.endorsed_on,
                    e.get_leader_level_display(),
                ]
                for e in h["endorsements"]
            ],
        )
    )
    return write_sheets(sheets)

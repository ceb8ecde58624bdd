"""Every indicator (统计指标) of the platform, defined once.

An indicator is a named count (or sum, or average) over the *records* a list selector returns
for the viewer — the same selector the list pages use — so a board number is exactly the number
of rows the drill-down list behind it shows (same sharing scope, same status rules). Boards,
annual reports, the xlsx exports and the JSON API all read these definitions; ``docs/indicators.md``
lists them.

Each indicator says:
- ``records(viewer)``: the list selector (visibility included);
- ``date_field``: which date puts a record in a period (``None``: a stock counted as of the
  period's end by ``created_at``);
- ``school_field``: which school a record counts for on a school, alliance or agreement board;
- ``measure``: ``count`` / ``("sum", field)`` / ``("avg", field)``;
- ``platform`` and ``mechanisms``: what it measures (四个平台, 两大机制, 十大机制);
- ``row(obj)``: how one record appears in the drill-down list.
A ratio indicator divides two others (获批率 = 获批示报告数 / 咨政报告数).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, reduce
from operator import or_

from django.db.models import Avg, Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from yiwang.classes.models import CheckIn, Evaluation
from yiwang.classes.selectors import sessions_visible_to
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course
from yiwang.courses.selectors import PUBLIC_STATUSES as COURSE_PUBLIC_STATUSES
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.models import School
from yiwang.research.enums import OutputKind
from yiwang.research.models import Endorsement
from yiwang.research.selectors import endorsements_visible_to, outputs_visible_to, projects_visible_to
from yiwang.topics.selectors import topics_visible_to

from . import tallies
from .periods import Period

# 四个平台 and the two mechanisms, in the order leaders report them.
PLATFORMS = [
    ("open_class", "同听一堂课"),
    ("codev", "合备一门课"),
    ("research", "共研一个题"),
    ("sharing", "共享一张网"),
    ("support", "对口支援"),
    ("regional", "片区协作"),
]
PLATFORM_LABELS = dict(PLATFORMS)

# 川滇黔 alliance's ten mechanisms (十大机制).
MECHANISMS = [
    ("consult", "发展共商"),
    ("liaison", "协调联络"),
    ("information", "信息共通"),
    ("sites", "基地共用"),
    ("classes", "班次互派"),
    ("courses", "课程共享"),
    ("research", "课题共研"),
    ("faculty", "师资共育"),
    ("publicity", "宣传联动"),
    ("brand", "品牌共塑"),
]
MECHANISM_LABELS = dict(MECHANISMS)


@dataclass(frozen=True)
class Row:
    """One record behind a number, as the drill-down list shows it."""

    title: str
    school: str
    day: date | None
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    platform: str
    definition: str
    records: Callable[[object], QuerySet] | None = None
    date_field: str | None = None
    school_field: str = "owner_school"
    measure: tuple | str = "count"
    row: Callable[[object], Row] | None = None
    select_related: tuple[str, ...] = ()
    mechanisms: tuple[str, ...] = ()
    ratio: tuple[str, str] | None = None  # (numerator key, denominator key), as a percentage
    decimals: int = 0
    tally: str = ""  # the incremental tally that counts these records (``tallies.FAMILIES``), if any

    @property
    def platform_label(self) -> str:
        return PLATFORM_LABELS[self.platform]

    @property
    def mechanism_labels(self) -> list[str]:
        return [MECHANISM_LABELS[m] for m in self.mechanisms]

    @property
    def is_ratio(self) -> bool:
        return self.ratio is not None


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.key in REGISTRY:
        raise ValueError(f"indicator {indicator.key} defined twice")
    if indicator.platform not in PLATFORM_LABELS:
        raise ValueError(indicator.platform)
    for m in indicator.mechanisms:
        if m not in MECHANISM_LABELS:
            raise ValueError(m)
    REGISTRY[indicator.key] = indicator
    return indicator


def ratio_of(key, label, platform, definition, ratio: tuple[str, str], *mechanisms) -> Indicator:
    """A percentage: one indicator's value over another's (same period, same scope)."""
    return Indicator(key, label, "%", platform, definition, ratio=ratio, decimals=1, mechanisms=mechanisms)


def spec(
    key, label, unit, platform, records, date_field, school_field, row, mechanisms, definition, **more
) -> Indicator:
    """One row of an indicator table: a count (or ``measure=``) over ``records`` dated by ``date_field``
    (``None``: a stock, what exists at the period's end by ``created_at``) and counted for
    ``school_field``; its list joins that school in unless ``select_related=`` says what else it shows."""
    more.setdefault("select_related", (school_field,))
    return Indicator(
        key,
        label,
        unit,
        platform,
        definition,
        records,
        date_field,
        school_field,
        row=row,
        mechanisms=mechanisms,
        **more,
    )


def narrowed(base: Callable, condition: Callable[[], Q]) -> Callable:
    """A list selector: ``base``'s records for the viewer that meet ``condition()``. It says its base
    and condition, so that ``values_over`` counts the indicators over one base (e.g. 课题申报数,
    立项数, 结项数 over the visible applications) by one statement — a filtered aggregate per
    indicator over the base's rows — instead of building and running the base once for each."""

    def records(viewer):
        return base(viewer).filter(condition())

    records.base, records.condition = base, condition
    return records


def _derived(base: Indicator, key, label, unit, definition, **changes) -> Indicator:
    return replace(base, key=key, label=label, unit=unit, definition=definition, **changes)


def measured_as(
    base: Indicator, key, label, unit, definition, measure, decimals, mechanisms=None
) -> Indicator:
    """Another measure of ``base``'s records (外校旁听学时: the hours of 外校旁听人次' check-ins),
    listed, dated, placed and tallied the same."""
    mechanisms = base.mechanisms if mechanisms is None else mechanisms
    return _derived(
        base, key, label, unit, definition, measure=measure, decimals=decimals, mechanisms=mechanisms
    )


def per_child(base: Indicator, key, label, unit, definition, model, link: str, row) -> Indicator:
    """An indicator over the rows of ``model`` that hang by ``link`` from ``base``'s records (培训学员人次:
    the trainees of 承办培训班期数' classes), dated and placed by their parent record."""
    return _derived(
        base,
        key,
        label,
        unit,
        definition,
        records=lambda viewer: model.objects.filter(**{f"{link}__in": base.records(viewer).values("pk")}),
        date_field=f"{link}__{base.date_field}",
        school_field=f"{link}__{base.school_field}",
        row=row,
        select_related=tuple(f"{link}__{path}" for path in base.select_related),
        tally="",
    )


def indicators() -> list[Indicator]:
    return list(REGISTRY.values())


def get(key: str) -> Indicator | None:
    return REGISTRY.get(key)


# -- computing --------------------------------------------------------------------------------


def _is_datetime(model, path: str) -> bool:
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return isinstance(model._meta.get_field(parts[-1]), DateTimeField)


def _bound(model, path: str, day: date):
    if _is_datetime(model, path):
        return timezone.make_aware(datetime.combine(day, time.min))
    return day


def _period_q(indicator: Indicator, model, period: Period) -> Q:
    """The condition that puts a record of ``indicator`` in ``period`` (a stock: existed at its end)."""
    path = indicator.date_field or "created_at"
    end = {f"{path}__lt": _bound(model, path, period.end)}
    if not indicator.date_field:
        return Q(**end)
    return Q(**{f"{path}__gte": _bound(model, path, period.start)}, **end)


def scoped_records(
    indicator: Indicator, viewer, *, school_ids=None, period: Period | None = None
) -> QuerySet:
    """The exact rows behind an indicator's number for a scope (schools) and a period."""
    qs = indicator.records(viewer).order_by()
    if school_ids is not None:
        qs = qs.filter(**{f"{indicator.school_field}__in": list(school_ids)})
    if period is not None:
        qs = qs.filter(_period_q(indicator, qs.model, period))
    return qs


def _quantized(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _aggregate(indicator: Indicator, qs: QuerySet) -> Decimal | int | None:
    measure = indicator.measure
    if measure == "count":
        return qs.count()  # the same count as the drill-down list (``drill_rows``)
    kind, path = measure
    if kind == "sum":
        value = qs.aggregate(v=Sum(path))["v"]
        return value if value is not None else 0
    if kind == "avg":
        return _quantized(qs.aggregate(v=Avg(path))["v"])
    raise ValueError(measure)


def _filtered_aggregate(measure, condition: Q):
    """The aggregate of a measure over the rows meeting ``condition`` (SQL ``FILTER (WHERE …)``)."""
    if measure == "count":
        return Count("pk", filter=condition)
    return (Sum if measure[0] == "sum" else Avg)(measure[1], filter=condition)


def _finish(measure, value):
    if measure == "count" or measure[0] == "sum":
        return value or 0
    return _quantized(value)


def _family(indicator: Indicator):
    """Indicators over the same records (or the same base of ``narrowed`` records) and school field
    are counted by one statement — unless they have their own tallies (精品课数 and 共建课程数 narrow
    the visible courses, each from its own tally)."""
    return (getattr(indicator.records, "base", indicator.records), indicator.school_field, indicator.tally)


def _narrowing(indicator: Indicator) -> Q:
    """The condition that keeps ``indicator``'s records among its family's base rows."""
    condition = getattr(indicator.records, "condition", None)
    return condition() if condition is not None else Q()


def values_over(items, viewer, *, school_ids=None, periods) -> dict[str, list]:
    """``{key: [value in each period]}`` for indicators — one statement per family of indicators over
    the same records, each value a conditional aggregate (``COUNT(*) FILTER (WHERE date in period)``)
    over exactly the rows ``scoped_records`` gives for that period, so it equals the drill-down count.
    A ratio divides the values of its two indicators, computed in the same pass."""
    wanted = list(items)
    needed: dict[str, Indicator] = {}
    for ind in wanted:
        for key in ind.ratio or (ind.key,):
            needed[key] = REGISTRY[key] if ind.ratio else ind
    families: dict[tuple, list[Indicator]] = {}
    for ind in needed.values():
        families.setdefault(_family(ind), []).append(ind)
    out: dict[str, list] = {}
    wants = {f: w for f, m in families.items() if (w := _tally_want(m[0], viewer, school_ids, periods))}
    tallied = dict(
        zip(
            wants,
            tallies.grouped_many(viewer, list(wants.values()), school_ids=school_ids, by_school=False),
            strict=True,
        )
    )
    for family, members in families.items():
        groups = tallied.get(family)
        if groups is not None:  # the family's incremental tally plus its live parts
            for ind in members:
                out[ind.key] = [_measured(ind, *_summed(ind, groups, p)) for p in periods]
            continue
        base = replace(members[0], records=family[0])
        qs = scoped_records(base, viewer, school_ids=school_ids)
        if qs.query.distinct or qs.query.combinator:  # not expressible as one filtered aggregate
            for ind in members:
                out[ind.key] = [
                    _aggregate(ind, scoped_records(ind, viewer, school_ids=school_ids, period=p))
                    for p in periods
                ]
            continue
        aggregates, conditions = {}, []
        for n, ind in enumerate(members):
            narrowing = _narrowing(ind)
            for i, p in enumerate(periods):
                aggregates[f"v{n}_{i}"] = _filtered_aggregate(
                    ind.measure, narrowing & _period_q(ind, qs.model, p)
                )
            # the rows any of these periods needs (a stock's: what existed at the latest end)
            spans = [max(periods, key=lambda p: p.end)] if not ind.date_field else periods
            conditions += [narrowing & _period_q(ind, qs.model, p) for p in spans]
        row = qs.filter(reduce(or_, conditions)).aggregate(**aggregates)
        for n, ind in enumerate(members):
            out[ind.key] = [_finish(ind.measure, row[f"v{n}_{i}"]) for i in range(len(periods))]
    for ind in wanted:
        if ind.ratio:
            num, den = ind.ratio
            out[ind.key] = [_percent(a, b) for a, b in zip(out[num], out[den], strict=True)]
    return {ind.key: out[ind.key] for ind in wanted}


def _tally_want(indicator: Indicator, viewer, school_ids, periods) -> tallies.Want | None:
    """What ``tallies`` needs to count the indicator over the months the periods cover, or None
    where no tally applies (no tally for these records, or a period that does not start and end
    on a month's first day)."""
    family = tallies.FAMILIES.get(indicator.tally)
    if family is None or not periods or not tallies.month_aligned(*periods):
        return None
    end = max(p.end for p in periods)
    start = min(p.start for p in periods)
    # the live part is read over every month (it is small: drafts and shared records) and kept to
    # the wanted months by ``grouped_many``, so the board, its trend and its ranking share it
    return tallies.Want(
        family,
        lambda: scoped_records(indicator, viewer, school_ids=school_ids),
        indicator.school_field,
        indicator.date_field or "created_at",
        tallies.month_key(start) if indicator.date_field else None,
        tallies.month_key(end),
        key=(
            indicator.records,
            indicator.school_field,
            indicator.date_field,
            None if school_ids is None else frozenset(school_ids),
        ),
    )


def _tally_groups(indicator: Indicator, viewer, school_ids, periods):
    """``tallies.grouped`` for one indicator, or None where no tally applies (``_tally_want``)."""
    want = _tally_want(indicator, viewer, school_ids, periods)
    return None if want is None else tallies.grouped(viewer, want, school_ids=school_ids)


def _summed(indicator: Indicator, groups, period: Period, school_id=None) -> tuple[int, Decimal]:
    """(records, sum of the measure) in ``period`` (a stock: before its end), for one school or all."""
    lo = tallies.month_key(period.start) if indicator.date_field else None
    hi = tallies.month_key(period.end)
    n, v = 0, Decimal(0)
    for (sid, month), (count, total) in groups.items():
        if month < hi and (lo is None or month >= lo) and (school_id is None or sid == school_id):
            n += count
            v += Decimal(total)
    return n, v


def _measured(indicator: Indicator, n: int, v: Decimal):
    """The indicator's value from a (records, sum) pair, as the live aggregate gives it."""
    measure = indicator.measure
    if measure == "count":
        return n
    if measure[0] == "sum":
        return v.quantize(Decimal(1).scaleb(-indicator.decimals), ROUND_HALF_UP)
    return _quantized(v / n) if n else None


def _grouped_aggregate(measure):
    """The aggregate of one group (a month, a school) for a measure."""
    if measure == "count":
        return Count("pk", distinct=True)
    return Sum(measure[1]) if measure[0] == "sum" else Avg(measure[1])


def _percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def value_of(indicator: Indicator, viewer, *, school_ids=None, period: Period | None = None):
    """The indicator's number (``None`` where it has no meaning, e.g. an average of nothing)."""
    if period is None:
        if indicator.ratio:
            num, den = (REGISTRY[k] for k in indicator.ratio)
            return _percent(
                value_of(num, viewer, school_ids=school_ids), value_of(den, viewer, school_ids=school_ids)
            )
        return _aggregate(indicator, scoped_records(indicator, viewer, school_ids=school_ids))
    return values_over([indicator], viewer, school_ids=school_ids, periods=[period])[indicator.key][0]


def series_many(items, viewer, *, school_ids=None, start: date, end: date, by: str = "month") -> list:
    """``series_of`` for each indicator, the tallied ones (a ratio's tallied parts too) read by one
    ``tallies.grouped_many`` (one statement for their tallies, one probe for their live parts)."""
    buckets = Period.buckets(start, end, by)
    wants = {}
    for ind in items:
        for base in [REGISTRY[k] for k in ind.ratio] if ind.ratio else [ind]:
            if (want := _tally_want(base, viewer, school_ids, buckets)) is not None:
                wants[base.key] = want
    read = tallies.grouped_many(viewer, list(wants.values()), school_ids=school_ids, by_school=False)
    groups = dict(zip(wants, read, strict=True))
    kw = {"school_ids": school_ids, "start": start, "end": end, "by": by, "tallied": groups}
    return [series_of(ind, viewer, **kw) for ind in items]


def series_of(
    indicator: Indicator,
    viewer,
    *,
    school_ids=None,
    start: date,
    end: date,
    by: str = "month",
    tallied: dict | None = None,
):
    """Values per month (or year) between ``start`` and ``end`` — one grouped query per indicator
    (``tallied``: the tallied indicators' groups, already read by ``series_many``)."""
    buckets = Period.buckets(start, end, by)
    if indicator.ratio:
        num, den = (REGISTRY[k] for k in indicator.ratio)
        kw = {"school_ids": school_ids, "start": start, "end": end, "by": by, "tallied": tallied}
        a = series_of(num, viewer, **kw)
        b = series_of(den, viewer, **kw)
        return [(label, _percent(x, y)) for (label, x), (_, y) in zip(a, b, strict=True)]
    if tallied is not None and indicator.key in tallied:
        groups = tallied[indicator.key]
    else:
        groups = _tally_groups(indicator, viewer, school_ids, buckets)
    if groups is not None:
        return [(p.label, _measured(indicator, *_summed(indicator, groups, p))) for p in buckets]
    if not indicator.date_field:  # a stock: its level at each bucket's end, in one statement
        levels = values_over([indicator], viewer, school_ids=school_ids, periods=buckets)[indicator.key]
        return [(p.label, v) for p, v in zip(buckets, levels, strict=True)]
    span = Period("custom", start, end, "")
    qs = scoped_records(indicator, viewer, school_ids=school_ids, period=span)
    trunc = TruncMonth if by == "month" else TruncYear
    measure = indicator.measure
    agg = _grouped_aggregate(measure)
    grouped = {}
    for row in qs.annotate(bucket=trunc(indicator.date_field)).values("bucket").annotate(v=agg).order_by():
        bucket = row["bucket"]
        if isinstance(bucket, datetime):
            bucket = timezone.localtime(bucket).date() if timezone.is_aware(bucket) else bucket.date()
        grouped[(bucket.year, bucket.month if by == "month" else 1)] = row["v"]
    out = []
    for p in buckets:
        v = grouped.get((p.start.year, p.start.month if by == "month" else 1))
        out.append((p.label, _finish(measure, v)))
    return out


def ranking_of(indicator: Indicator, viewer, *, school_ids=None, period: Period | None = None, limit=20):
    """Schools by the indicator (over what the viewer may see), largest first."""
    if indicator.ratio:
        num, den = (REGISTRY[k] for k in indicator.ratio)
        a = {
            r["school_id"]: r["value"]
            for r in ranking_of(num, viewer, school_ids=school_ids, period=period, limit=None)
        }
        b = {
            r["school_id"]: r["value"]
            for r in ranking_of(den, viewer, school_ids=school_ids, period=period, limit=None)
        }
        rows = [{"school_id": pk, "value": _percent(a.get(pk, 0), b[pk])} for pk in b if b[pk]]
    elif (groups := period and _tally_groups(indicator, viewer, school_ids, [period])) is not None:
        rows = []
        for pk in sorted({sid for sid, _month in groups}):
            n, v = _summed(indicator, groups, period, pk)
            if n:
                rows.append({"school_id": pk, "value": _measured(indicator, n, v)})
    else:
        qs = scoped_records(indicator, viewer, school_ids=school_ids, period=period)
        measure = indicator.measure
        agg = _grouped_aggregate(measure)
        rows = [
            {"school_id": r["sid"], "value": r["v"]}
            for r in qs.annotate(sid=F(indicator.school_field)).values("sid").annotate(v=agg).order_by()
            if r["sid"] is not None and r["v"] is not None
        ]
        if measure != "count" and measure[0] == "avg":
            for r in rows:
                r["value"] = _quantized(r["value"])
    names = dict(School.objects.filter(pk__in=[r["school_id"] for r in rows]).values_list("pk", "name"))
    for r in rows:
        r["school"] = names.get(r["school_id"], "（已删除的学校）")
    rows.sort(key=lambda r: (-(r["value"] or 0), r["school"]))
    return rows if limit is None else rows[:limit]


def _listed(indicator: Indicator, viewer, *, school_ids=None, period=None) -> tuple[Indicator, QuerySet]:
    """The indicator whose records a list shows (a ratio lists its denominator's) and those records."""
    base = indicator.ratio and REGISTRY[indicator.ratio[1]] or indicator
    return base, scoped_records(base, viewer, school_ids=school_ids, period=period)


def _newest_first(base: Indicator, qs: QuerySet) -> QuerySet:
    """Newest first, with what a row shows joined in (the selectors' list prefetches are not shown)."""
    order = f"-{base.date_field}" if base.date_field else "-created_at"
    qs = qs.prefetch_related(None)
    if base.select_related:
        qs = qs.select_related(*base.select_related)
    return qs.order_by(order, "-pk")


def drill_rows(indicator: Indicator, viewer, *, school_ids=None, period=None, offset=0, limit=50):
    """The records behind the number, newest first: (total, rows)."""
    base, qs = _listed(indicator, viewer, school_ids=school_ids, period=period)
    total = qs.count()
    return total, [base.row(item) for item in _newest_first(base, qs)[offset : offset + limit]]


def stream_rows(indicator: Indicator, viewer, *, school_ids=None, period=None, limit=None, chunk=2000):
    """The same records as ``drill_rows``, in the same order, read in chunks (a report's list): the
    ordered ids first (one plain statement), then ``chunk`` records at a time by id — no
    server-side cursor, whose fast-start plans PostgreSQL picks badly for these joins."""
    base, qs = _listed(indicator, viewer, school_ids=school_ids, period=period)
    ordered = _newest_first(base, qs)
    ids = list((ordered[:limit] if limit is not None else ordered).values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        by_id = ordered.model._base_manager.select_related(*base.select_related).in_bulk(part)
        for pk in part:
            if pk in by_id:  # deleted between the two statements: no longer listed
                yield base.row(by_id[pk])


# -- the indicators ---------------------------------------------------------------------------


def school_name(school) -> str:
    return getattr(school, "name", "") or ""


def local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _value(obj, spec):
    """A callable's result, or the value at a dotted attribute path (``"sign_up.session.title"``)."""
    if callable(spec):
        return spec(obj)
    for part in spec.split("."):
        obj = getattr(obj, part) if obj is not None else None
    return obj


@cache
def _url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    """A detail URL's text around its id: one ``reverse`` per URL name, not one per listed record."""
    marker = "987654321"
    prefix, _, suffix = reverse(name, args=[int(marker)]).partition(marker)
    return prefix, suffix


def detail_url(name: str, pk) -> str:
    prefix, suffix = _url_parts(name, get_script_prefix())
    return f"{prefix}{pk}{suffix}"


def row_of(title, school, day, url_name: str = "", pk="pk", detail=None) -> Callable[[object], Row]:
    """How one record appears in a list: each part a dotted attribute path or a callable."""

    def make(obj) -> Row:
        return Row(
            _value(obj, title),
            school_name(_value(obj, school)),
            _value(obj, day),
            detail_url(url_name, _value(obj, pk)) if url_name else "",
            _value(obj, detail) if detail is not None else "",
        )

    return make


def created_date(obj) -> date | None:
    return local_date(obj.created_at)


SESSION_URL = "classes:session_detail"
_session_row = row_of(
    "title", "training_class.owner_school", "date", SESSION_URL, detail="training_class.name"
)
_check_in_row = row_of(
    "sign_up.session.title",
    "sign_up.home_school",
    "sign_up.session.date",
    SESSION_URL,
    "sign_up.session.pk",
    lambda c: f"{c.hours} 学时",
)
_evaluation_row = row_of(
    "session.title",
    "session.training_class.owner_school",
    "session.date",
    SESSION_URL,
    "session.pk",
    lambda e: f"总分 {e.total}",
)
_course_row = row_of(
    "title", "owner_school", created_date, "courses:detail", detail=lambda c: c.get_status_display()
)
_project_row = row_of(
    "title", "owner_school", "start_date", "research:detail", detail=lambda p: p.get_status_display()
)
_output_row = row_of(
    "title", "owner_school", "published_on", "research:output_detail", detail=lambda o: o.get_kind_display()
)
_endorsement_row = row_of(
    "output.title",
    "output.owner_school",
    "endorsed_on",
    "research:output_detail",
    "output.pk",
    lambda e: e.get_leader_level_display(),
)
_teacher_row = row_of(
    "name", "owner_school", created_date, "faculty:detail", detail=lambda t: t.get_title_display()
)
_topic_row = row_of("title", "owner_school", created_date, "topics:detail")


def _open_sessions(viewer):
    return sessions_visible_to(viewer).filter(is_open=True, is_cancelled=False)


def _visiting_check_ins(viewer):
    """Check-ins of people from another school than the class's (外校旁听), on sessions the viewer sees."""
    return CheckIn.objects.filter(
        sign_up__session__in=sessions_visible_to(viewer).values("pk"),
        sign_up__session__is_cancelled=False,
    ).exclude(sign_up__home_school=F("sign_up__session__training_class__owner_school"))


def _evaluations(viewer):
    return Evaluation.objects.filter(
        session__in=sessions_visible_to(viewer).values("pk"), session__is_cancelled=False
    )


_cobuilt_courses = narrowed(
    courses_visible_to, lambda: Q(Exists(Course.co_schools.through.objects.filter(course_id=OuterRef("pk"))))
)
_featured_courses = narrowed(courses_visible_to, lambda: Q(status=CourseStatus.FEATURED))
# the public courses (发布, 精品课); an editor's drafts are theirs to finish, not shared resources
_shared_courses = narrowed(courses_visible_to, lambda: Q(status__in=COURSE_PUBLIC_STATUSES))


def _advisory(viewer):
    return outputs_visible_to(viewer).filter(kind=OutputKind.ADVISORY)


def _endorsed_advisory(viewer):
    verified = Endorsement.objects.filter(output_id=OuterRef("pk"), verified_at__isnull=False)
    return _advisory(viewer).filter(Exists(verified))


def _verified_endorsements(viewer):
    return endorsements_visible_to(viewer, verified=True)


def register_all(table) -> None:
    """Register a table's indicators in its order (the order of the boards and of indicators.md)."""
    for indicator in table:
        register(indicator)


def _core_table() -> tuple[Indicator, ...]:
    # fmt: off
    # spec(key, label, unit, platform, records, date field, school field, row, mechanisms, definition, …)
    visiting = spec("visiting_attendance", "外校旁听人次", "人次", "open_class", _visiting_check_ins, "sign_up__session__date", "sign_up__session__training_class__owner_school", _check_in_row, ("courses", "faculty"),
                    "统计期内外校人员旁听并签到的人次（报名人所在学校与开课学校不同）。",
                    select_related=("sign_up__session__training_class", "sign_up__home_school"), tally="visiting")
    rated = spec("evaluations", "评课人次", "人次", "open_class", _evaluations, "session__date", "session__training_class__owner_school", _evaluation_row, (),
                 "统计期内对课程场次提交的评课份数。", tally="evaluations")
    return (
        spec("open_sessions", "开放课堂场次", "场", "open_class", _open_sessions, "date", "training_class__owner_school", _session_row, ("courses",),
             "统计期内举行、开放旁听且未取消的课程场次（按上课日期）。", tally="open_sessions"),
        visiting,
        measured_as(visiting, "visiting_hours", "外校旁听学时", "学时", "外校旁听签到计入的学时之和。", ("sum", "hours"), 1, ()),
        rated,
        measured_as(rated, "evaluation_average", "评课均分", "分", "统计期内评课总分的平均值（满分 100）。", ("avg", "total"), 2),
        spec("cobuilt_courses", "共建课程数", "门", "codev", _cobuilt_courses, None, "owner_school", _course_row, ("courses", "brand"),
             "有共建学校、当前可见的课程（截至统计期末，按创建时间）。", tally="cobuilt_courses"),
        spec("featured_courses", "精品课数", "门", "codev", _featured_courses, None, "owner_school", _course_row, ("courses", "brand"),
             "状态为精品课的课程（截至统计期末）。", tally="featured_courses"),
        spec("research_projects", "科研课题数", "项", "research", projects_visible_to, "start_date", "owner_school", _project_row, ("research",),
             "统计期内开始的科研课题（立项、在研、结项等可见课题，按开始日期）。", tally="research_projects"),
        spec("advisory_reports", "咨政报告数", "篇", "research", _advisory, "published_on", "owner_school", _output_row, ("research",),
             "统计期内形成的咨政报告（按成果日期）。", tally="advisory"),
        spec("endorsed_reports", "获批示咨政报告数", "篇", "research", _endorsed_advisory, "published_on", "owner_school", _output_row, ("research",),
             "统计期内形成、至少获得一条已核实批示的咨政报告。", tally="endorsed_advisory"),
        spec("endorsements", "批示数", "条", "research", _verified_endorsements, "endorsed_on", "output__owner_school", _endorsement_row, ("research",),
             "统计期内获得的已核实领导批示（按批示日期）。", tally="endorsements"),
        ratio_of("endorsement_rate", "咨政报告获批率", "research",
                 "获批示咨政报告数 ÷ 咨政报告数 × 100（同一统计期、同一范围）。", ("endorsed_reports", "advisory_reports"), "research"),
        spec("shared_teachers", "共享师资数", "人", "sharing", teachers_visible_to, None, "owner_school", _teacher_row, ("information", "faculty"),
             "可见的在库教师（截至统计期末）。", tally="teachers"),
        spec("shared_topics", "共享讲题数", "个", "sharing", topics_visible_to, None, "owner_school", _topic_row, ("information", "courses"),
             "可见的已发布讲题（截至统计期末）。", tally="topics"),
        spec("shared_courses", "共享课程数", "门", "sharing", _shared_courses, None, "owner_school", _course_row, ("information", "courses"),
             "可见的已发布课程与精品课（截至统计期末）。", tally="courses"),
    )
    # fmt: on


register_all(_core_table())


@dataclass
class Board:
    """The numbers of one board for one period, grouped by platform."""

    title: str
    period: Period
    previous: Period
    sections: list[dict] = field(default_factory=list)


def board_numbers(viewer, *, school_ids, period: Period, keys=None) -> dict[str, list]:
    """``{key: [value this period, value the previous period]}`` (plain values: cacheable)."""
    items = [ind for ind in indicators() if keys is None or ind.key in keys]
    return values_over(items, viewer, school_ids=school_ids, periods=[period, period.previous()])


def board_from(numbers: dict[str, list], period: Period) -> Board:
    """The board of ``board_numbers``' values, grouped by platform in the leaders' order."""
    sections: dict[str, dict] = {}
    for key, (now, before) in numbers.items():
        ind = REGISTRY[key]
        change = None
        if now is not None and before is not None:
            change = Decimal(now) - Decimal(before)
        section = sections.setdefault(
            ind.platform, {"key": ind.platform, "label": ind.platform_label, "rows": []}
        )
        section["rows"].append({"indicator": ind, "value": now, "previous": before, "change": change})
    order = [k for k, _ in PLATFORMS]
    return Board(
        "", period, period.previous(), sorted(sections.values(), key=lambda s: order.index(s["key"]))
    )


def board_values(viewer, *, school_ids, period: Period, keys=None) -> Board:
    return board_from(board_numbers(viewer, school_ids=school_ids, period=period, keys=keys), period)


def markdown() -> str:
    """docs/indicators.md, generated from the definitions (``yiwang indicators_doc --write``)."""
    lines = [
        "# 统计指标（Indicators）",
        "",
        "Generated from `src/yiwang/dashboards/indicators.py` by `yiwang indicators_doc --write`; a test",
        "fails when this file and the definitions differ. Every indicator is a count, sum or average over",
        "the records a list selector returns **for the viewer** (same sharing scope and status rules as the",
        "list pages), so a number on a board, in an annual report or from `/api/v1/indicators/values`",
        "always equals the drill-down list behind it. A *period* (year, quarter, month in Asia/Shanghai)",
        "selects records by the date field; a *stock* (no date field) counts what existed at the",
        "period's end. On a school, alliance or agreement board the records are those of the scope's",
        "schools (by the school field).",
        "",
    ]
    for key, label in PLATFORMS:
        items = [i for i in indicators() if i.platform == key]
        if not items:
            continue
        lines += [
            f"## {label}",
            "",
            "| 指标 | key | 单位 | 口径 | 日期 | 学校 | 机制 |",
            "|---|---|---|---|---|---|---|",
        ]
        for i in items:
            if i.ratio:
                date_text, school_text = "—", "—"
            else:
                date_text = f"`{i.date_field}`" if i.date_field else "存量（截至期末）"
                school_text = f"`{i.school_field}`"
            measure = (
                ""
                if i.measure == "count" or i.ratio
                else f"（{ {'sum': '求和', 'avg': '平均'}[i.measure[0]] } `{i.measure[1]}`）"
            )
            lines.append(
                f"| {i.label} | `{i.key}` | {i.unit} | {i.definition}{measure} | {date_text} | {school_text} | "
                f"{'、'.join(i.mechanism_labels) or '—'} |"
            )
        lines.append("")
    return "\n".join(lines)

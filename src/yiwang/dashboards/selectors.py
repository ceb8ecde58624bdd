"""Read-only aggregates for leaders.

Every count is taken over the banks' own list selectors, so a dashboard number is
exactly the number of rows the viewer would find in that bank's list (same sharing
scope, same status rules: drafts and retired items of other schools never count).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse

from yiwang.alliances.models import AgreementTarget
from yiwang.alliances.selectors import agreements_visible_to, party_school_ids
from yiwang.core.errors import NotFoundError
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.context import viewer_context
from yiwang.network.models import Alliance, School
from yiwang.research.selectors import outputs_visible_to, projects_visible_to, school_ranking
from yiwang.topics.selectors import topics_visible_to

from . import freshness, indicators, rules, tallies
from .enums import ScopeKind
from .models import IndicatorTarget, ReportJob
from .periods import Period

BANKS = [
    ("teachers", "师资", teachers_visible_to),
    ("topics", "讲题", topics_visible_to),
    ("courses", "课程", courses_visible_to),
    ("projects", "科研课题", projects_visible_to),
    ("outputs", "科研成果", outputs_visible_to),
]


def _bare(qs):
    """The same rows without ordering, prefetches or annotations: cheap to count and group."""
    return qs.order_by().prefetch_related(None)


def bank_totals(viewer) -> list[dict]:
    return [
        {"key": key, "label": label, "count": _bare(select(viewer)).count()} for key, label, select in BANKS
    ]


def items_per_school(viewer, limit: int = 20) -> list[dict]:
    """Visible teachers, topics and courses per owner school, largest first."""
    totals: dict[int, dict] = {}
    for key, _label, select in BANKS[:3]:
        rows = _bare(select(viewer)).values("owner_school").annotate(n=Count("pk", distinct=True))
        for row in rows:
            entry = totals.setdefault(row["owner_school"], {"teachers": 0, "topics": 0, "courses": 0})
            entry[key] = row["n"]
    names = dict(School.objects.filter(pk__in=totals).values_list("pk", "short_name"))
    result = [
        {"school": names.get(pk, "?"), **counts, "total": sum(counts.values())}
        for pk, counts in totals.items()
    ]
    result.sort(key=lambda r: (-r["total"], r["school"]))
    return result[:limit]


def endorsement_ranking(viewer, limit: int = 10) -> list[dict]:
    """Schools ranked by verified endorsements on outputs the viewer may see."""
    return school_ranking(viewer, limit=limit)


def verified_endorsements(viewer) -> int:
    return sum(row["total"] for row in school_ranking(viewer, limit=10_000))


# -- boards: scopes, values, trends, rankings, targets ---------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a board counts for: the whole network, one school, an alliance's or an agreement's schools."""

    kind: str
    ident: str  # "" for the network, a school code, an alliance or agreement id
    label: str
    school_ids: frozenset[int] | None  # None: every school

    @property
    def pk(self) -> int:
        """The school's, alliance's or agreement's id (0 for the network)."""
        if self.kind == ScopeKind.SCHOOL:
            return next(iter(self.school_ids))
        return int(self.ident) if self.ident.isdigit() else 0

    @property
    def url(self) -> str:
        return reverse("dashboards:board", args=[self.kind, self.ident or "all"])


NETWORK_SCOPE = Scope(ScopeKind.NETWORK, "", "全网", None)


def resolve_scope(viewer, kind: str, ident: str = "") -> Scope:
    """The scope of a board the viewer may open; "not found" for a missing or forbidden one."""
    if kind == ScopeKind.NETWORK:
        if rules.can_view_network_board(viewer):
            return NETWORK_SCOPE
        raise NotFoundError("未找到该看板，或您无权查看。")
    if kind == ScopeKind.SCHOOL:
        school = School.objects.filter(code=ident).first()
        if school and rules.can_view_school_board(viewer, school):
            return Scope(kind, school.code, school.name, frozenset([school.pk]))
    elif kind == ScopeKind.ALLIANCE and str(ident).isdigit():
        alliance = Alliance.objects.filter(pk=int(ident)).first()
        if alliance and rules.can_view_alliance_board(viewer, alliance):
            members = frozenset(alliance.memberships.values_list("school_id", flat=True))
            return Scope(kind, str(alliance.pk), alliance.name, members)
    elif kind == ScopeKind.AGREEMENT and str(ident).isdigit():
        parties = agreement_parties(viewer, int(ident))
        if parties and rules.can_view_party_board(viewer, parties[1]):
            return Scope(kind, str(ident), parties[0], frozenset(parties[1]))
    raise NotFoundError("未找到该看板，或您无权查看。")


# An agreement's targets (AgreementTarget.metric) shown against the indicator that counts the same records.
AGREEMENT_METRIC_INDICATORS = {
    "hosted_classes": "hosted_classes",
    "dispatches": "dispatches",
    "visiting_seats": "visiting_attendance",
    "co_built_courses": "cobuilt_courses",
    "site_bookings": "site_visits",
}


def agreement_parties(viewer, pk: int):
    """(title, party school ids) of a support agreement the viewer may see, or None."""
    agreement = agreements_visible_to(viewer).filter(pk=pk).first()
    if agreement is None:
        return None
    return agreement.title, party_school_ids(agreement)


def boards_for(viewer) -> list[Scope]:
    """Every board the viewer may open, the network's first."""
    scopes = []
    if rules.can_view_network_board(viewer):
        scopes.append(NETWORK_SCOPE)
    ctx = viewer_context(viewer)
    staff = ctx.schools_with()
    if rules.is_platform_admin(viewer):
        schools = School.objects.filter(is_active=True)
    else:
        below = set(staff)
        frontier = set(staff)
        while frontier:  # schools under the viewer's schools (a municipal school sees its branches)
            frontier = set(School.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - below
            below |= frontier
        schools = School.objects.filter(pk__in=below)
    scopes += [Scope(ScopeKind.SCHOOL, s.code, s.name, frozenset([s.pk])) for s in schools.order_by("code")]
    alliances = (
        Alliance.objects.all()
        if rules.is_platform_admin(viewer)
        else Alliance.objects.filter(memberships__school_id__in=staff).distinct()
    )
    for a in alliances.order_by("name").prefetch_related("memberships"):
        scopes.append(
            Scope(ScopeKind.ALLIANCE, str(a.pk), a.name, frozenset(m.school_id for m in a.memberships.all()))
        )
    for agreement in agreements_visible_to(viewer).order_by("title"):
        parties = party_school_ids(agreement)
        if rules.can_view_party_board(viewer, parties):
            scopes.append(Scope(ScopeKind.AGREEMENT, str(agreement.pk), agreement.title, frozenset(parties)))
    return scopes


def _scope_key(scope: Scope) -> str:
    return f"{scope.kind}/{scope.ident}/{','.join(map(str, sorted(scope.school_ids or ())))}"


def board(viewer, scope: Scope, period: Period) -> indicators.Board:
    """The scope's numbers for the period and the previous one, reused while nothing counted changed
    (``freshness``: exact, keyed by the viewer's visibility, the scope, the period and the stamp)."""
    numbers = freshness.cached(
        viewer,
        "board",
        (_scope_key(scope), period.key),
        lambda: indicators.board_numbers(viewer, school_ids=scope.school_ids, period=period),
    )
    return _with_targets(indicators.board_from(numbers, period), scope, period)


def board_page(viewer, scope: Scope, period: Period, trend_keys, rank_scope: Scope, rank_key: str):
    """A board page's numbers, trend and ranking: one cache entry, one read of the stamp."""

    def compute():
        with tallies.one_page():  # the three read the same live parts once
            numbers = indicators.board_numbers(viewer, school_ids=scope.school_ids, period=period)
            return (
                numbers,
                _trend(viewer, scope, period, trend_keys),
                _ranking(viewer, rank_scope, period, rank_key, 20),
            )

    numbers, trend_data, ranking_rows = freshness.cached(
        viewer,
        "page",
        (_scope_key(scope), period.key, ",".join(trend_keys), _scope_key(rank_scope), rank_key),
        compute,
    )
    board_data = _with_targets(indicators.board_from(numbers, period), scope, period)
    return board_data, trend_data, ranking_rows


def _with_targets(result: indicators.Board, scope: Scope, period: Period) -> indicators.Board:
    result.title = f"{scope.label} · {period.label}"
    targets = targets_for(scope, period)
    for section in result.sections:
        for row in section["rows"]:
            target = targets.get(row["indicator"].key)
            row["target"] = target
            row["progress"] = (
                min(100, int(Decimal(row["value"] or 0) * 100 / target))
                if target and row["value"] is not None
                else None
            )
    return result


def targets_for(scope: Scope, period: Period) -> dict[str, Decimal]:
    """Yearly targets of the scope's schools (summed for an alliance), shown on a year's board.
    Agreement targets come from the agreement itself (its app registers them)."""
    if period.kind != "year" or scope.school_ids is None:
        return {}
    if scope.kind == ScopeKind.AGREEMENT:
        rows = AgreementTarget.objects.filter(agreement_id=scope.pk, year=period.start.year)
        return {
            AGREEMENT_METRIC_INDICATORS[t.metric]: Decimal(t.target)
            for t in rows
            if t.metric in AGREEMENT_METRIC_INDICATORS
        }
    rows = (
        IndicatorTarget.objects.filter(school_id__in=scope.school_ids, year=period.start.year)
        .values("indicator")
        .annotate(total=Sum("target"))
    )
    return {r["indicator"]: r["total"] for r in rows}


def trend(viewer, scope: Scope, period: Period, keys) -> dict:
    return freshness.cached(
        viewer,
        "trend",
        (_scope_key(scope), period.key, ",".join(keys)),
        lambda: _trend(viewer, scope, period, keys),
    )


def _trend(viewer, scope: Scope, period: Period, keys) -> dict:
    start, end, by = period.trend_span()
    labels = [p.label for p in Period.buckets(start, end, by)]
    items = [ind for key in keys if (ind := indicators.get(key)) is not None]
    all_values = indicators.series_many(
        items, viewer, school_ids=scope.school_ids, start=start, end=end, by=by
    )
    series = [
        {"name": ind.label, "data": [None if v is None else float(v) for _, v in values]}
        for ind, values in zip(items, all_values, strict=True)
    ]
    rows = [(label, [s["data"][i] for s in series]) for i, label in enumerate(labels)]
    return {"labels": labels, "series": series, "rows": rows}


def ranking(viewer, scope: Scope, period: Period, key: str, limit: int = 20) -> list[dict]:
    if indicators.get(key) is None:
        raise NotFoundError("没有这个统计指标。")
    return freshness.cached(
        viewer,
        "ranking",
        (_scope_key(scope), period.key, key, limit),
        lambda: _ranking(viewer, scope, period, key, limit),
    )


def _ranking(viewer, scope: Scope, period: Period, key: str, limit: int) -> list[dict]:
    ind = indicators.get(key)
    return indicators.ranking_of(ind, viewer, school_ids=scope.school_ids, period=period, limit=limit)


def my_reports(viewer):
    return ReportJob.objects.filter(requested_by=viewer).order_by("-created_at", "-id")


def access_report(viewer, pk) -> ReportJob:
    try:
        return my_reports(viewer).get(pk=pk)
    except (ReportJob.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None

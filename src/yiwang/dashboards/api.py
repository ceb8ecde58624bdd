"""Indicators for other systems (a 大屏 display, a provincial platform): definitions and values."""

from django.utils import timezone
from ninja import Router, Schema

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.errors import DomainError

from . import indicators, selectors
from .enums import ScopeKind
from .periods import Period

PREFIX = "indicators"
router = Router(tags=["统计指标"], auth=SignedIn())


class IndicatorOut(Schema):
    key: str
    label: str
    unit: str
    platform: str
    platform_label: str
    mechanisms: list[str]
    definition: str


class ValueOut(Schema):
    key: str
    label: str
    unit: str
    value: float | None
    previous: float | None


class ValuesOut(Schema):
    scope: str
    scope_label: str
    period: str
    period_label: str
    values: list[ValueOut]


def _float(v):
    return None if v is None else float(v)


@router.get("/", response=list[IndicatorOut], summary="全部指标及其口径")
def list_indicators(request):
    return [
        {
            "key": i.key,
            "label": i.label,
            "unit": i.unit,
            "platform": i.platform,
            "platform_label": i.platform_label,
            "mechanisms": i.mechanism_labels,
            "definition": i.definition,
        }
        for i in indicators.indicators()
    ]


@router.get("/values", response=ValuesOut, summary="某范围、某统计期的指标值")
def indicator_values(request, scope: str = "network", period: str = "", only: str = ""):
    """``scope``: ``network``、``school:<学校代码>``、``alliance:<编号>``、``agreement:<编号>``；
    ``period``: ``2026``、``2026Q3`` 或 ``2026-05``（默认今年）；``only``: 逗号分隔的指标（默认全部）。"""
    kind, _, ident = scope.partition(":")
    if kind not in ScopeKind.values:
        raise DomainError("范围格式不正确。", field="scope")
    resolved = selectors.resolve_scope(request.auth, kind, ident)
    p = Period.parse(period, today=timezone.localdate())
    wanted = [k for k in only.split(",") if k] or [i.key for i in indicators.indicators()]
    unknown = [k for k in wanted if indicators.get(k) is None]
    if unknown:
        raise DomainError(f"没有这些指标：{'、'.join(unknown)}。", field="only")
    items = [indicators.get(key) for key in wanted]
    numbers = indicators.values_over(
        items, request.auth, school_ids=resolved.school_ids, periods=[p, p.previous()]
    )
    values = [
        {
            "key": ind.key,
            "label": ind.label,
            "unit": ind.unit,
            "value": _float(numbers[ind.key][0]),
            "previous": _float(numbers[ind.key][1]),
        }
        for ind in items
    ]
    return {
        "scope": scope,
        "scope_label": resolved.label,
        "period": p.key,
        "period_label": p.label,
        "values": values,
    }

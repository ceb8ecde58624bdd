from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.activity.services import record_export
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.excel.writing import write_sheets, xlsx_response
from yiwang.core.files import download_response
from yiwang.network.selectors import school_by_code

from . import indicators, rules, selectors, services
from .enums import ReportStatus, ScopeKind
from .forms import BoardForm, ReportForm, TargetForm
from .periods import Period

DEFAULT_TREND = ("open_sessions", "visiting_attendance", "advisory_reports", "endorsements")


@login_required
def index(request):
    per_school = selectors.items_per_school(request.user)
    chart = {
        "schools": [r["school"] for r in per_school],
        "series": [
            {"name": "师资", "data": [r["teachers"] for r in per_school]},
            {"name": "讲题", "data": [r["topics"] for r in per_school]},
            {"name": "课程", "data": [r["courses"] for r in per_school]},
        ],
    }
    return render(
        request,
        "dashboards/index.html",
        {
            "totals": selectors.bank_totals(request.user),
            "per_school": per_school,
            "endorsements": selectors.verified_endorsements(request.user),
            "ranking": selectors.endorsement_ranking(request.user),
            "chart": chart,
            "boards": selectors.boards_for(request.user)[:6],
        },
    )


@login_required
def boards(request):
    return render(request, "dashboards/boards.html", {"boards": selectors.boards_for(request.user)})


def _scope(request, kind: str, ident: str):
    if kind not in ScopeKind.values:
        raise NotFoundError("未找到该看板，或您无权查看。")
    return selectors.resolve_scope(request.user, kind, "" if kind == ScopeKind.NETWORK else ident)


def _period(request) -> tuple[Period, str]:
    try:
        return Period.parse(request.GET.get("period"), today=timezone.localdate()), ""
    except DomainError as exc:
        return Period.year(timezone.localdate().year), exc.message


@login_required
def board(request, kind: str, ident: str):
    scope = _scope(request, kind, ident)
    period, period_error = _period(request)
    form = BoardForm(request.GET or None)
    rank_key = request.GET.get("rank") if indicators.get(request.GET.get("rank", "")) else "open_sessions"
    ranking_scope = selectors.NETWORK_SCOPE if scope.kind == ScopeKind.SCHOOL else scope
    values, trend, ranking = selectors.board_page(
        request.user, scope, period, DEFAULT_TREND, ranking_scope, rank_key
    )
    return render(
        request,
        "dashboards/board.html",
        {
            "scope": scope,
            "period": period,
            "period_error": period_error,
            "form": form,
            "board": values,
            "trend": trend,
            "ranking": ranking,
            "rank_indicator": indicators.get(rank_key),
            "highlight_school_ids": scope.school_ids or (),
            "can_set_targets": scope.kind == ScopeKind.SCHOOL
            and rules.can_set_targets(request.user, school_by_code(scope.ident)),
            "empty": all(row["value"] in (None, 0) for section in values.sections for row in section["rows"]),
        },
    )


@login_required
def board_export(request, kind: str, ident: str):
    scope = _scope(request, kind, ident)
    period, _ = _period(request)
    values = selectors.board(request.user, scope, period)
    rows = [
        [
            section["label"],
            row["indicator"].label,
            row["indicator"].unit,
            row["value"],
            row["previous"],
            row["change"],
            row.get("target"),
            row["indicator"].definition,
        ]
        for section in values.sections
        for row in section["rows"]
    ]
    sheets = [
        (
            "指标",
            ["平台/机制", "指标", "单位", period.label, values.previous.label, "变化", "目标", "口径"],
            rows,
        )
    ]
    rank_key = request.GET.get("rank") if indicators.get(request.GET.get("rank", "")) else "open_sessions"
    ranking_scope = selectors.NETWORK_SCOPE if scope.kind == ScopeKind.SCHOOL else scope
    ranking = selectors.ranking(request.user, ranking_scope, period, rank_key, limit=1000)
    sheets.append(
        (
            "排行",
            ["名次", "学校", indicators.get(rank_key).label],
            [[i, r["school"], r["value"]] for i, r in enumerate(ranking, start=1)],
        )
    )
    record_export(
        actor=request.user,
        list_name=f"看板：{scope.label}",
        filters={"period": period.key, "rank": rank_key},
        rows=len(rows),
    )
    return xlsx_response(write_sheets(sheets), f"{scope.label}{period.label}统计看板.xlsx")


@login_required
def drill(request, kind: str, ident: str, key: str):
    scope = _scope(request, kind, ident)
    indicator = indicators.get(key)
    if indicator is None:
        raise Http404
    period, period_error = _period(request)
    value = indicators.value_of(indicator, request.user, school_ids=scope.school_ids, period=period)
    number = max(1, int(request.GET.get("page", "1"))) if request.GET.get("page", "1").isdigit() else 1
    total, rows = indicators.drill_rows(
        indicator,
        request.user,
        school_ids=scope.school_ids,
        period=period,
        offset=(number - 1) * 50,
        limit=50,
    )
    page = Paginator(range(total), 50).get_page(number)
    base = indicators.REGISTRY[indicator.ratio[1]] if indicator.ratio else None
    return render(
        request,
        "dashboards/drill.html",
        {
            "scope": scope,
            "indicator": indicator,
            "base": base,
            "period": period,
            "period_error": period_error,
            "value": value,
            "total": total,
            "rows": rows,
            "page": page,
        },
    )


@login_required
def targets(request, code: str):
    school = school_by_code(code)
    if not rules.can_set_targets(request.user, school):
        raise NotFoundError("未找到该页面，或您无权设定该校目标。")
    year = request.POST.get("year") or request.GET.get("year") or str(timezone.localdate().year)
    year = int(year) if year.isdigit() else timezone.localdate().year
    existing = {
        t.indicator: t.target for t in selectors.IndicatorTarget.objects.filter(school=school, year=year)
    }
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                for name in form.fields:
                    if name.startswith("t_"):
                        value = form.cleaned_data[name]
                        key = name[2:]
                        if (value or None) != existing.get(key):
                            services.set_target(
                                by=request.user,
                                school=school,
                                year=form.cleaned_data["year"],
                                indicator=key,
                                target=value if value else "",
                            )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "年度目标已保存。")
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    else:
        form = TargetForm(initial={"year": year, **{f"t_{k}": v for k, v in existing.items()}})
    return render(request, "dashboards/targets.html", {"school": school, "form": form, "year": year})


@login_required
def reports(request):
    scopes = selectors.boards_for(request.user)
    form = ReportForm(request.POST or None, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        kind, _, ident = form.cleaned_data["scope"].partition(":")
        try:
            job = services.request_report(
                by=request.user, kind=kind, ident=ident, year=form.cleaned_data["year"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("dashboards:report_detail", pk=job.pk)
    return render(
        request, "dashboards/reports.html", {"form": form, "jobs": selectors.my_reports(request.user)[:50]}
    )


@login_required
def report_detail(request, pk: int):
    job = selectors.access_report(request.user, pk)
    template = "dashboards/_report_status.html" if request.htmx else "dashboards/report_detail.html"
    return render(
        request, template, {"job": job, "running": job.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)}
    )


@login_required
def report_download(request, pk: int, fmt: str):
    job = selectors.access_report(request.user, pk)
    field = {"pdf": job.pdf, "xlsx": job.xlsx}.get(fmt)
    if job.status != ReportStatus.DONE or not field:
        raise NotFoundError("报告尚未生成。")
    return download_response(field, f"{job.scope_label}{job.year}年度报告.{fmt}")


@login_required
@require_POST
def report_retry(request, pk: int):
    job = selectors.access_report(request.user, pk)
    ident = services._scope_ident(job) or "all"
    new = services.request_report(by=request.user, kind=job.scope_kind, ident=ident, year=job.year)
    return redirect("dashboards:report_detail", pk=new.pk)

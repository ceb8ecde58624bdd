"""The network calendar: week, month and list views of every session the viewer may see."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from yiwang.core.pagination import paginate
from yiwang.courses.models import TeachingModule
from yiwang.network.models import School
from yiwang.topics.enums import TeachingForm

from .. import selectors
from .common import _querystring


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _filters(request) -> selectors.CalendarFilters:
    module = request.GET.get("module", "")
    form = request.GET.get("form", "")
    return selectors.CalendarFilters(
        school_code=request.GET.get("school", "").strip(),
        module_id=int(module) if module.isdigit() else None,
        form=form if form in TeachingForm.values else "",
        open_only=request.GET.get("open") == "1",
    )


@login_required
def calendar(request):
    """The network calendar: week, month and list views of every session the viewer may see."""
    view = request.GET.get("view", "week")
    view = view if view in selectors.CALENDAR_VIEWS else "week"
    day, filters = _parse_day(request.GET.get("date")), _filters(request)
    grid = selectors.calendar_grid(request.user, view, day, filters)
    context = {
        "view": view,
        "day": day,
        "filters": filters,
        "today": timezone.localdate(),
        "schools": School.objects.filter(is_active=True).order_by("code").only("code", "short_name"),
        "modules": TeachingModule.objects.order_by("owner_school_id", "position", "id").only("id", "name"),
        "forms": TeachingForm.choices,
    }
    if view == "list":
        context.update(
            page=paginate(grid.sessions, request.GET.get("page"), 50),
            entries=grid.entries,
            querystring_without_page=_querystring(request) + "&",
        )
    else:
        for cell in grid.days:
            cell["list_qs"] = _querystring(request, view="list", date=cell["date"].isoformat())
        context.update(days=grid.days, weeks=grid.weeks)
    context.update(
        start=grid.start,
        end=grid.end,
        qs_prev=_querystring(request, date=grid.previous_day.isoformat()),
        qs_next=_querystring(request, date=grid.next_day.isoformat()),
        qs_today=_querystring(request, date=timezone.localdate().isoformat()),
        view_links=[
            (v, label, _querystring(request, view=v))
            for v, label in (("week", "周视图"), ("month", "月视图"), ("list", "列表"))
        ],
    )
    return render(request, "classes/calendar.html", context)

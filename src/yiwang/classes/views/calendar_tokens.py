"""Private iCal feeds (日历订阅): create (the URL is shown once), revoke, serve."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError
from yiwang.core.views_support import perform

from .. import ical, selectors, services
from ..forms import FeedForm


@login_required
@require_POST
def feed_create(request):
    form = FeedForm(request.POST, viewer=request.user)
    if not form.is_valid():
        messages.error(request, "请选择订阅内容。")
        return redirect("classes:mine")
    try:
        _, key = services.create_calendar_token(by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("classes:mine")
    request.session["classes_new_feed_url"] = request.build_absolute_uri(
        reverse("classes:ical_feed", args=[key])
    )
    messages.success(request, "已生成日历订阅地址。请复制保存：此地址只显示这一次。")
    return redirect("classes:mine")


@login_required
@require_POST
def feed_revoke(request, pk: int):
    perform(
        request,
        lambda: services.revoke_calendar_token(by=request.user, token_id=pk),
        "日历订阅已撤销，原地址不再可用。",
    )
    return redirect("classes:mine")


def ical_feed(request, key: str):
    token = services.calendar_token_for_key(key)
    if token is None:
        raise Http404("订阅地址无效或已撤销。")
    start, end = ical.feed_window()
    name, sessions, statuses = selectors.feed_contents(token, start, end)
    entries = selectors.feed_entries(token, start, end, sessions)
    body = ical.build_feed(
        name, sessions, statuses=statuses, base_url=request.build_absolute_uri("/")[:-1], entries=entries
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="yiwang.ics"'
    return response

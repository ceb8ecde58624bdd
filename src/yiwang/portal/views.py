from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults

from yiwang.core.api_support import error_body
from yiwang.core.validators import clean_query
from yiwang.network.models import Membership

from . import pickers, selectors

API_PREFIX = "/api/"


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "school", "school__parent"
    )
    return render(
        request,
        "portal/home.html",
        {
            "memberships": memberships,
            "waiting": selectors.waiting_for(request.user),
            "next_sessions": selectors.next_sessions(request.user),
        },
    )


@login_required
def pick(request, kind: str):
    """The options of a search-as-you-type picker: the first matches the viewer may see."""
    lookup = pickers.KINDS.get(kind)
    if lookup is None:
        raise Http404("未知的选择类型。")
    typed = next((v for k, v in request.GET.items() if k == "q" or k.endswith("__q")), "")
    q = clean_query(typed)[:40]
    options = lookup(request.user, q, request.GET) if q else []
    return render(request, "portal/pick_options.html", {"options": options, "q": q})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception=None):
    """``handler404``: the API answers in its JSON error shape, pages with templates/404.html."""
    if request.path.startswith(API_PREFIX):
        return _api_error(
            404,
            "not_found",
            f"接口不存在：{request.method} {request.path}。接口列表见 /api/v1/openapi.json。",
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: the API answers in its JSON error shape, pages with templates/500.html."""
    if request.path.startswith(API_PREFIX):
        return _api_error(500, "server_error", "服务器处理请求时出错，错误已记录，请稍后重试。")
    return defaults.server_error(request)

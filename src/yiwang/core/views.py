from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from yiwang.network.models import Membership


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "school", "school__parent"
    )
    return render(request, "core/home.html", {"memberships": memberships})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("core:notifications")
    return render(request, "core/notifications.html", {"items": items})

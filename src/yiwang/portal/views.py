from django.http import HttpResponse
from django.shortcuts import redirect, render

from yiwang.network.models import Membership


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "school", "school__parent"
    )
    return render(request, "portal/home.html", {"memberships": memberships})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


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
        },
    )

"""Pages of 评审量表: the list, a new rubric with its indicators, one rubric."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yiwang.banks.listing import form_page, pick_school
from yiwang.network.rules import staff_school_ids

from . import selectors, services
from .forms import RubricForm

WRITER_FLAGS = ("is_school_admin", "is_teaching_staff", "is_research_staff")


@login_required
def rubric_list(request):
    return render(
        request,
        "reviews/rubric_list.html",
        {
            "rubrics": selectors.rubrics_usable_by(None).order_by("purpose", "name", "id"),
            "can_create": bool(staff_school_ids(request.user, *WRITER_FLAGS)),
        },
    )


@login_required
def rubric_detail(request, pk: int):
    return render(request, "reviews/rubric_detail.html", {"rubric": selectors.access_rubric(pk)})


@login_required
@require_http_methods(["GET", "POST"])
def rubric_create(request):
    school, schools = pick_school(request, staff_school_ids(request.user, *WRITER_FLAGS))
    if school is None:
        messages.error(request, "只有学校的教务、科研部门或学校管理员可以制定评审量表。")
        return redirect("reviews:rubric_list")
    form = RubricForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: services.create_rubric(
            by=request.user,
            school=school,
            name=form.cleaned_data["name"],
            purpose=form.cleaned_data["purpose"],
            description=form.cleaned_data.get("description", ""),
            indicators=form.indicators(),
        ),
        template="reviews/rubric_form.html",
        context={"school": school, "schools": schools},
        success=lambda r: f"已制定评审量表：{r.name}",
        detail="reviews:rubric_detail",
    )

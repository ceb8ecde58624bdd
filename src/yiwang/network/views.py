from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from yiwang.core.errors import DomainError

from . import rules, selectors, services
from .forms import AllianceForm, AllianceMemberForm, PartnershipForm, SchoolForm, SchoolParentForm
from .models import School


@login_required
def overview(request):
    return render(
        request,
        "network/overview.html",
        {
            "top_schools": selectors.schools_overview(),
            "alliances": selectors.alliances_with_members(),
            "partnerships": selectors.partnerships_of(),
        },
    )


@login_required
def school_detail(request, code: str):
    school = get_object_or_404(School.objects.select_related("parent"), code=code)
    return render(
        request,
        "network/school.html",
        {
            "school": school,
            "branches": school.branches.filter(is_active=True).order_by("code"),
            "alliances": selectors.alliances_of(school),
            "partnerships": selectors.partnerships_of(school),
            "people": selectors.school_people(school)
            if rules.is_member(request.user, school) or rules.can_manage_network(request.user)
            else None,
            "can_manage": rules.can_manage_network(request.user),
            "parent_form": SchoolParentForm(initial={"parent": school.parent}),
        },
    )


def _form_error(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def manage(request):
    if not rules.can_manage_network(request.user):
        raise PermissionDenied
    forms = {
        "school": SchoolForm(prefix="school"),
        "alliance": AllianceForm(prefix="alliance"),
        "member": AllianceMemberForm(prefix="member"),
        "partnership": PartnershipForm(prefix="partnership"),
    }
    if request.method == "POST":
        which = request.POST.get("form")
        if which in forms:
            form = forms[which].__class__(request.POST, prefix=which)
            forms[which] = form
            if form.is_valid():
                data = form.cleaned_data
                try:
                    if which == "school":
                        obj = services.create_school(by=request.user, **data)
                    elif which == "alliance":
                        obj = services.create_alliance(by=request.user, **data)
                    elif which == "member":
                        obj = services.add_alliance_member(by=request.user, **data)
                    else:
                        obj = services.create_support_partnership(by=request.user, **data)
                except DomainError as exc:
                    _form_error(form, exc)
                else:
                    messages.success(request, f"已保存：{obj}")
                    return redirect("network:manage")
    return render(
        request, "network/manage.html", {"forms": forms, "schools": School.objects.select_related("parent")}
    )


@login_required
def set_parent(request, code: str):
    if not rules.can_manage_network(request.user):
        raise PermissionDenied
    school = get_object_or_404(School, code=code)
    form = SchoolParentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_school(by=request.user, school=school, parent=form.cleaned_data["parent"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "上级学校已更新。")
    return redirect("network:school", code=school.code)

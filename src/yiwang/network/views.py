from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from yiwang.core.errors import DomainError
from yiwang.core.excel import build_template, check_upload, xlsx_response
from yiwang.core.views_support import form_error, perform

from . import rules, selectors, services
from .excel import PeopleImporter
from .forms import (
    AllianceForm,
    AllianceMemberForm,
    MembershipForm,
    PartnershipForm,
    PersonAddForm,
    SchoolForm,
    SchoolParentForm,
)
from .models import Membership, School


@login_required
def overview(request):
    return render(
        request,
        "network/overview.html",
        {
            "provinces": selectors.schools_by_province(),
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
            if rules.is_member(request.user, school)
            or rules.can_manage_network(request.user)
            or rules.can_manage_people(request.user, school)
            else None,
            "can_manage_people": rules.can_manage_people(request.user, school),
            "can_manage_school": rules.can_manage_school(request.user, school),
            "can_manage": rules.can_manage_network(request.user),
            "parent_form": SchoolParentForm(initial={"parent": school.parent}),
        },
    )


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
                    form_error(form, exc)
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
        perform(
            request,
            lambda: services.update_school(
                by=request.user, school=school, parent=form.cleaned_data["parent"]
            ),
            "上级学校已更新。",
        )
    return redirect("network:school", code=school.code)


@login_required
def school_people(request, code: str):
    """人员管理: add people (new or existing accounts), set their capability flags, deactivate."""
    school = get_object_or_404(School, code=code, is_active=True)
    if not rules.can_manage_people(request.user, school):
        raise PermissionDenied
    form = PersonAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.add_person_to_school(
                by=request.user,
                school=school,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                email=data["email"],
                phone=data["phone"],
                **form.capabilities(),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                f"已将“{membership.user.full_name or membership.user.username}”加入{school.short_name}。",
            )
            return redirect("network:people", code=school.code)
    people = list(
        Membership.objects.filter(school=school)
        .select_related("user")
        .order_by("-is_active", "-is_school_admin", "user__full_name", "user__username")
    )
    rows = [(m, MembershipForm(membership=m, prefix=f"m{m.pk}")) for m in people]
    return render(request, "network/people.html", {"school": school, "form": form, "rows": rows})


@login_required
def membership_update(request, code: str, pk: int):
    school = get_object_or_404(School, code=code, is_active=True)
    if not rules.can_manage_people(request.user, school):
        raise PermissionDenied
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, school=school)
    if request.method != "POST":
        return redirect("network:people", code=school.code)
    action = request.POST.get("action")
    try:
        if action == "deactivate":
            services.deactivate_membership(by=request.user, membership=membership)
            messages.success(request, f"已停用“{membership.user.full_name}”在{school.short_name}的成员身份。")
        else:
            form = MembershipForm(request.POST, membership=membership, prefix=f"m{membership.pk}")
            form.is_valid()
            services.set_membership(
                by=request.user, user=membership.user, school=school, **form.capabilities()
            )
            messages.success(request, f"已更新“{membership.user.full_name}”的权限。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("network:people", code=school.code)


@login_required
def duties_setting(request, code: str):
    school = get_object_or_404(School, code=code, is_active=True)
    if request.method == "POST":
        perform(
            request,
            lambda: services.set_separation_of_duties(
                by=request.user, school=school, enabled=request.POST.get("separates_duties") == "on"
            ),
            "设置已保存。",
        )
    return redirect("network:school", code=school.code)


@login_required
def people_import(request, code: str):
    """人员导入: upload a sheet; every row's problems are listed and nothing is saved until the
    whole file is clean, then everyone is added at once."""
    school = get_object_or_404(School, code=code, is_active=True)
    if not rules.can_manage_people(request.user, school):
        raise PermissionDenied
    report = error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError("请选择要导入的 Excel 文件。", field="file")
            data = check_upload(upload, upload.name)
            report = PeopleImporter(by=request.user, school=school).run(data)
        except DomainError as exc:
            error = exc.message
        else:
            if report.state == "imported":
                messages.success(request, f"已导入 {report.created} 人到{school.short_name}。")
                return redirect("network:people", code=school.code)
    return render(
        request,
        "network/people_import.html",
        {"school": school, "report": report, "error": error, "columns": PeopleImporter.columns},
    )


@login_required
def people_import_template(request, code: str):
    school = get_object_or_404(School, code=code, is_active=True)
    if not rules.can_manage_people(request.user, school):
        raise PermissionDenied
    return xlsx_response(build_template(PeopleImporter), f"people-import-{school.code}.xlsx")

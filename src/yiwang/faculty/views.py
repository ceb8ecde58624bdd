from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from yiwang.core import excel
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.pagination import paginate_capped
from yiwang.core.views_support import querystring_without_page, submit_form
from yiwang.network import rules as network_rules
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .excel import TeacherImporter
from .forms import TeacherFilterForm, TeacherForm
from .profile import teacher_profile

EXPORT_LIMIT = 100_000


def _access(request, pk):
    try:
        return selectors.access_teacher(request.user, pk)
    except NotFoundError:
        raise Http404 from None


def _filters(request):
    form = TeacherFilterForm(
        request.GET or None,
        schools=active_schools(),
        show_status=bool(staff_school_ids(request.user)),
    )
    return form, form.filters() if request.GET else {}


@login_required
def teacher_list(request):
    form, filters = _filters(request)
    page = paginate_capped(selectors.teachers_visible_to(request.user, **filters), request.GET.get("page"))
    selectors.with_contacts(page.items, request.user)
    return render(
        request,
        "faculty/list.html",
        {
            "form": form,
            "page": page,
            "teachers": page.items,
            "querystring_without_page": querystring_without_page(request),
            "can_create": bool(staff_school_ids(request.user)),
        },
    )


@login_required
def teacher_export(request):
    _, filters = _filters(request)
    teachers = selectors.teachers_visible_to(request.user, **filters).prefetch_related(
        "shared_alliances", "shared_partnerships__supporter", "shared_partnerships__supported"
    )
    return excel.export_response(
        TeacherImporter, teachers[:EXPORT_LIMIT].iterator(chunk_size=2000), request.user, "师资库导出.xlsx"
    )


@login_required
def teacher_detail(request, pk: int):
    teacher = _access(request, pk)
    selectors.with_contacts([teacher], request.user)
    return render(
        request,
        "faculty/detail.html",
        {
            "teacher": teacher,
            **teacher_profile(request.user, teacher),
            "can_edit": rules.can_edit_teacher(request.user, teacher),
            "can_retire": network_rules.can_edit_bank_item(request.user, teacher.owner_school_id),
        },
    )


def _school_for_create(request):
    schools = list(
        School.objects.filter(pk__in=staff_school_ids(request.user), is_active=True).order_by("code")
    )
    if not schools:
        return None, []
    wanted = request.GET.get("school") or request.POST.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0]), schools


@login_required
@require_http_methods(["GET", "POST"])
def teacher_create(request):
    school, schools = _school_for_create(request)
    if school is None:
        messages.error(request, "只有学校的管理员、教务、培训或科研人员可以添加教师。")
        return redirect("faculty:list")
    form = TeacherForm(request.POST or None, school=school)
    teacher = submit_form(
        request,
        form,
        lambda: services.create_teacher(by=request.user, school=school, **form.service_kwargs()),
    )
    if teacher is not None:
        messages.success(request, f"已添加教师：{teacher.name}")
        return redirect("faculty:detail", pk=teacher.pk)
    return render(
        request,
        "faculty/form.html",
        {"form": form, "school": school, "schools": schools, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_edit(request, pk: int):
    teacher = _access(request, pk)
    if not rules.can_edit_teacher(request.user, teacher):
        messages.error(request, "只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。")
        return redirect("faculty:detail", pk=teacher.pk)
    is_staff = network_rules.can_edit_bank_item(request.user, teacher.owner_school_id)
    initial = {field: getattr(teacher, field) for field in services.PROFILE_FIELDS}
    initial.update(
        scope=teacher.scope,
        alliances=list(teacher.shared_alliances.all()),
        partnerships=list(teacher.shared_partnerships.all()),
    )
    form = TeacherForm(request.POST or None, initial=initial, school=teacher.owner_school, is_staff=is_staff)
    saved = submit_form(
        request,
        form,
        lambda: services.update_teacher(by=request.user, teacher=teacher, **form.service_kwargs()),
    )
    if saved is not None:
        messages.success(request, "教师信息已保存。")
        return redirect("faculty:detail", pk=teacher.pk)
    return render(
        request,
        "faculty/form.html",
        {"form": form, "school": teacher.owner_school, "teacher": teacher},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_retire(request, pk: int):
    teacher = _access(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "restore":
                services.restore_teacher(by=request.user, teacher=teacher)
                messages.success(request, f"已恢复教师：{teacher.name}")
            else:
                services.retire_teacher(by=request.user, teacher=teacher)
                messages.success(request, f"已停用教师：{teacher.name}（仅本校管理人员可在“已停用”中查看）")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("faculty:detail", pk=teacher.pk)
    return render(request, "faculty/retire.html", {"teacher": teacher})


@login_required
def import_template(request):
    return excel.template_view(request, bank=TeacherImporter.bank)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    return excel.import_view(
        request,
        bank=TeacherImporter.bank,
        list_url=reverse("faculty:list"),
        template_url=reverse("faculty:import_template"),
        status_url_name="faculty:import_status",
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_status(request, job_id):
    try:
        return excel.import_status_view(request, job_id=str(job_id), list_url=reverse("faculty:list"))
    except NotFoundError:
        raise Http404 from None

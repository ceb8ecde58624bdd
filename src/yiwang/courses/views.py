"""Pages of the course bank: thin — parse, call a selector or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import excel
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.files import download_response
from yiwang.core.pagination import paginate
from yiwang.core.views_support import form_error, querystring_without_page, submit_form
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .enums import CourseStatus
from .excel import CourseImporter
from .forms import CourseFilterForm, CourseForm, MaterialForm

EXPORT_LIMIT = 100_000


def _access(request, pk):
    try:
        return selectors.access_course(request.user, pk)
    except NotFoundError:
        raise Http404 from None


def _filters(request):
    form = CourseFilterForm(request.GET or None, schools=active_schools())
    return form, form.filters() if request.GET else {}


@login_required
def course_list(request):
    form, filters = _filters(request)
    qs = selectors.with_people(selectors.courses_visible_to(request.user, **filters), request.user)
    page = paginate(qs, request.GET.get("page"))
    return render(
        request,
        "courses/list.html",
        {
            "form": form,
            "page": page,
            "courses": page.items,
            "querystring_without_page": querystring_without_page(request),
            "can_create": bool(staff_school_ids(request.user)),
        },
    )


@login_required
def course_export(request):
    _, filters = _filters(request)
    qs = selectors.with_people(
        selectors.courses_visible_to(request.user, **filters), request.user
    ).prefetch_related("shared_alliances", "shared_partnerships__supporter", "shared_partnerships__supported")
    return excel.export_response(
        CourseImporter, qs[:EXPORT_LIMIT].iterator(chunk_size=2000), request.user, "课程库导出.xlsx"
    )


@login_required
def course_detail(request, pk: int):
    course = _access(request, pk)
    can_edit = rules.can_edit_course(request.user, course)
    is_owner = rules.can_publish_course(request.user, course)
    transitions = [
        (to, services.TRANSITION_LABELS[(course.status, to)])
        for to, who in services.TRANSITIONS.get(course.status, {}).items()
        if (who == "editor" and can_edit) or (who == "owner" and is_owner)
    ]
    return render(
        request,
        "courses/detail.html",
        {
            "course": course,
            "materials": selectors.material_history(course),
            "can_edit": can_edit,
            "can_retire": is_owner and course.status != CourseStatus.RETIRED,
            "transitions": transitions,
            "material_form": MaterialForm() if can_edit else None,
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
def course_create(request):
    school, schools = _school_for_create(request)
    if school is None:
        messages.error(request, "只有学校的管理员、教务、培训或科研人员可以添加课程。")
        return redirect("courses:list")
    form = CourseForm(request.POST or None, viewer=request.user, school=school)
    course = submit_form(
        request, form, lambda: services.create_course(by=request.user, school=school, **form.service_kwargs())
    )
    if course is not None:
        messages.success(request, f"已添加课程：{course.title}（草稿）")
        return redirect("courses:detail", pk=course.pk)
    return render(
        request,
        "courses/form.html",
        {"form": form, "school": school, "schools": schools, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = _access(request, pk)
    if not rules.can_edit_course(request.user, course):
        messages.error(request, "只有所属学校或共建学校的管理员、教务、培训、科研人员可以修改课程。")
        return redirect("courses:detail", pk=course.pk)
    is_owner = rules.can_publish_course(request.user, course)
    initial = {field: getattr(course, field) for field in services.CONTENT_FIELDS}
    initial.update(
        teachers=list(course.teachers.all()),
        co_schools=list(course.co_schools.all()),
        scope=course.scope,
        alliances=list(course.shared_alliances.all()),
        partnerships=list(course.shared_partnerships.all()),
    )
    form = CourseForm(
        request.POST or None,
        initial=initial,
        viewer=request.user,
        school=course.owner_school,
        course=course,
        is_owner=is_owner,
    )
    saved = submit_form(
        request, form, lambda: services.update_course(by=request.user, course=course, **form.service_kwargs())
    )
    if saved is not None:
        messages.success(request, "课程已保存。")
        return redirect("courses:detail", pk=course.pk)
    return render(
        request,
        "courses/form.html",
        {"form": form, "school": course.owner_school, "course": course},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def course_status(request, pk: int):
    course = _access(request, pk)
    try:
        course = services.change_course_status(by=request.user, course=course, to=request.POST.get("to", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"课程状态已改为“{course.get_status_display()}”。")
    return redirect("courses:detail", pk=course.pk)


@login_required
@require_POST
def course_retire(request, pk: int):
    course = _access(request, pk)
    try:
        services.retire_course(by=request.user, course=course)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用课程：{course.title}（仅所属学校和共建学校的人员可以看到）")
    return redirect("courses:detail", pk=course.pk)


@login_required
@require_POST
def material_upload(request, pk: int):
    course = _access(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = services.upload_material(by=request.user, course=course, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已上传：{material.title}（第 {material.version} 版）")
            return redirect("courses:detail", pk=course.pk)
    return render(
        request,
        "courses/detail.html",
        {
            "course": course,
            "materials": selectors.material_history(course),
            "can_edit": True,
            "material_form": form,
            "transitions": [],
        },
        status=400,
    )


@login_required
def material_download(request, pk: int):
    try:
        material = selectors.access_material(request.user, pk)
        if not material.file:
            return redirect(material.link)
        return download_response(material.file, material.original_name)
    except NotFoundError:
        raise Http404 from None


@login_required
def module_list(request):
    modules = selectors.modules_for(request.user)
    return render(request, "courses/module_list.html", {"modules": modules})


@login_required
def module_detail(request, pk: int):
    try:
        module = selectors.access_module(request.user, pk)
    except NotFoundError:
        raise Http404 from None
    qs = selectors.with_people(selectors.courses_visible_to(request.user, module=module), request.user)
    page = paginate(qs, request.GET.get("page"))
    return render(
        request,
        "courses/module_detail.html",
        {
            "module": module,
            "page": page,
            "courses": page.items,
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
def import_template(request):
    return excel.template_view(request, bank=CourseImporter.bank)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    return excel.import_view(
        request,
        bank=CourseImporter.bank,
        list_url=reverse("courses:list"),
        template_url=reverse("courses:import_template"),
        status_url_name="courses:import_status",
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_status(request, job_id):
    try:
        return excel.import_status_view(request, job_id=str(job_id), list_url=reverse("courses:list"))
    except NotFoundError:
        raise Http404 from None

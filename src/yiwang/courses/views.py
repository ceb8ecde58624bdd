"""Pages of the course bank: thin — parse, call a selector or a service, render.

The list, export and import pages are the shared bank views (``banks.listing``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.banks.listing import BankList, export_view, import_views, list_view
from yiwang.banks.pages import create_page, edit_page
from yiwang.core.errors import DomainError
from yiwang.core.files import download_response
from yiwang.core.pagination import paginate
from yiwang.core.public_pages import public_detail
from yiwang.core.views_support import form_error, perform, querystring_without_page
from yiwang.network.forms import sharing_initial
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .enums import CourseStatus
from .excel import CourseImporter
from .forms import CourseFilterForm, CourseForm, MaterialForm
from .panels import course_panels

BANK = BankList(
    namespace="courses",
    selector=lambda viewer, **filters: selectors.with_people(
        selectors.courses_visible_to(viewer, **filters), viewer
    ),
    filter_form=lambda request: CourseFilterForm(request.GET or None, schools=active_schools()),
    template="courses/list.html",
    items_name="courses",
    importer=CourseImporter,
    export_filename="课程库导出.xlsx",
    context=lambda request: {"can_create": bool(staff_school_ids(request.user))},
)
course_list = list_view(BANK)
course_export = export_view(BANK)
import_template, import_upload, import_status = import_views(BANK)


@public_detail  # 公开 items open without signing in (only those)
def course_detail(request, pk: int):
    course = selectors.access_course(request.user, pk)
    can_edit = rules.can_edit_course(request.user, course)
    is_owner = rules.can_publish_course(request.user, course)
    transitions = [
        (step.target, step.label)
        for step in services.COURSE_STEPS.allowed_from(course.status)
        if (step.who == "editor" and can_edit) or (step.who == "owner" and is_owner)
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
            "panels": course_panels(request.user, course),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    return create_page(
        request,
        school_ids=staff_school_ids(request.user),
        refused="只有学校的管理员、教务、培训或科研人员可以添加课程。",
        back="courses:list",
        form=lambda school: CourseForm(request.POST or None, viewer=request.user, school=school),
        create=lambda school, form: services.create_course(
            by=request.user, school=school, **form.service_kwargs()
        ),
        template="courses/form.html",
        success=lambda course: f"已添加课程：{course.title}（草稿）",
        detail="courses:detail",
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = selectors.access_course(request.user, pk)

    def form():
        initial = {field: getattr(course, field) for field in services.CONTENT_FIELDS}
        initial.update(
            teachers=list(course.teachers.all()),
            co_schools=list(course.co_schools.all()),
            **sharing_initial(course),
        )
        return CourseForm(
            request.POST or None,
            initial=initial,
            viewer=request.user,
            school=course.owner_school,
            course=course,
            is_owner=rules.can_publish_course(request.user, course),
        )

    return edit_page(
        request,
        course,
        allowed=rules.can_edit_course(request.user, course),
        refused="只有所属学校或共建学校的管理员、教务、培训、科研人员可以修改课程。",
        form=form,
        save=lambda form: services.update_course(by=request.user, course=course, **form.service_kwargs()),
        template="courses/form.html",
        success=lambda _: "课程已保存。",
        detail="courses:detail",
        context={"course": course},
    )


@login_required
@require_POST
def course_status(request, pk: int):
    course = selectors.access_course(request.user, pk)
    perform(
        request,
        lambda: services.change_course_status(by=request.user, course=course, to=request.POST.get("to", "")),
        lambda changed: f"课程状态已改为“{changed.get_status_display()}”。",
    )
    return redirect("courses:detail", pk=course.pk)


@login_required
@require_POST
def course_retire(request, pk: int):
    course = selectors.access_course(request.user, pk)
    perform(
        request,
        lambda: services.retire_course(by=request.user, course=course),
        f"已停用课程：{course.title}（仅所属学校和共建学校的人员可以看到）",
    )
    return redirect("courses:detail", pk=course.pk)


@login_required
@require_POST
def material_upload(request, pk: int):
    course = selectors.access_course(request.user, pk)
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
    material = selectors.access_material(request.user, pk)
    if not material.file:
        return redirect(material.link)
    return download_response(material.file, material.original_name)


@login_required
def module_list(request):
    modules = selectors.modules_for(request.user)
    return render(request, "courses/module_list.html", {"modules": modules})


@login_required
def module_detail(request, pk: int):
    module = selectors.access_module(request.user, pk)
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

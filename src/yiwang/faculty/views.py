"""Pages of the teacher bank. The list, export and import pages are the shared bank views."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yiwang.banks.listing import BankList, export_view, import_views, list_view
from yiwang.banks.pages import create_page, edit_page
from yiwang.core.public_pages import public_detail
from yiwang.core.views_support import perform
from yiwang.network import rules as network_rules
from yiwang.network.forms import sharing_initial
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .excel import TeacherImporter
from .forms import TeacherFilterForm, TeacherForm
from .profile import teacher_profile

BANK = BankList(
    namespace="faculty",
    selector=selectors.teachers_visible_to,
    filter_form=lambda request: TeacherFilterForm(
        request.GET or None, schools=active_schools(), show_status=bool(staff_school_ids(request.user))
    ),
    template="faculty/list.html",
    items_name="teachers",
    importer=TeacherImporter,
    export_filename="师资库导出.xlsx",
    context=lambda request: {"can_create": bool(staff_school_ids(request.user))},
    decorate=selectors.with_contacts,
)
teacher_list = list_view(BANK)
teacher_export = export_view(BANK)
import_template, import_upload, import_status = import_views(BANK)


@public_detail  # 公开 items open without signing in (only those)
def teacher_detail(request, pk: int):
    teacher = selectors.access_teacher(request.user, pk)
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


@login_required
@require_http_methods(["GET", "POST"])
def teacher_create(request):
    return create_page(
        request,
        school_ids=staff_school_ids(request.user),
        refused="只有学校的管理员、教务、培训或科研人员可以添加教师。",
        back="faculty:list",
        form=lambda school: TeacherForm(request.POST or None, school=school),
        create=lambda school, form: services.create_teacher(
            by=request.user, school=school, **form.service_kwargs()
        ),
        template="faculty/form.html",
        success=lambda teacher: f"已添加教师：{teacher.name}",
        detail="faculty:detail",
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_edit(request, pk: int):
    teacher = selectors.access_teacher(request.user, pk)

    def form():
        initial = {field: getattr(teacher, field) for field in services.PROFILE_FIELDS}
        initial.update(**sharing_initial(teacher))
        return TeacherForm(
            request.POST or None,
            initial=initial,
            school=teacher.owner_school,
            is_staff=network_rules.can_edit_bank_item(request.user, teacher.owner_school_id),
        )

    return edit_page(
        request,
        teacher,
        allowed=rules.can_edit_teacher(request.user, teacher),
        refused="只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。",
        form=form,
        save=lambda form: services.update_teacher(by=request.user, teacher=teacher, **form.service_kwargs()),
        template="faculty/form.html",
        success=lambda _: "教师信息已保存。",
        detail="faculty:detail",
        context={"teacher": teacher},
    )


@login_required
@require_http_methods(["GET", "POST"])
def teacher_retire(request, pk: int):
    teacher = selectors.access_teacher(request.user, pk)
    if request.method == "POST":
        if request.POST.get("action") == "restore":
            perform(
                request,
                lambda: services.restore_teacher(by=request.user, teacher=teacher),
                f"已恢复教师：{teacher.name}",
            )
        else:
            perform(
                request,
                lambda: services.retire_teacher(by=request.user, teacher=teacher),
                f"已停用教师：{teacher.name}（仅本校管理人员可在“已停用”中查看）",
            )
        return redirect("faculty:detail", pk=teacher.pk)
    return render(request, "faculty/retire.html", {"teacher": teacher})

"""Pages of the research bank: projects, outputs, endorsements (批示) and the ranking.

The list, export and import pages of projects and outputs are the shared bank views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.banks.listing import BankList, export_view, import_views, list_view
from yiwang.banks.pages import create_page, edit_page
from yiwang.core.errors import DomainError
from yiwang.core.files import download_response
from yiwang.core.public_pages import public_detail
from yiwang.core.views_support import form_error, perform
from yiwang.network.forms import sharing_initial
from yiwang.network.rules import research_staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .excel import OutputImporter, ProjectImporter
from .forms import EndorsementForm, OutputFilterForm, OutputForm, ProjectFilterForm, ProjectForm


def _can_create(request) -> dict:
    return {"can_create": bool(research_staff_school_ids(request.user))}


# -- projects ---------------------------------------------------------------------------------


PROJECTS = BankList(
    namespace="research",
    selector=lambda viewer, **filters: selectors.with_members(
        selectors.projects_visible_to(viewer, **filters), viewer
    ),
    filter_form=lambda request: ProjectFilterForm(request.GET or None, schools=active_schools()),
    template="research/project_list.html",
    items_name="projects",
    importer=ProjectImporter,
    export_filename="科研课题导出.xlsx",
    import_prefix="project_",
    context=_can_create,
)
project_list = list_view(PROJECTS)
project_export = export_view(PROJECTS)
project_import_template, project_import, project_import_status = import_views(PROJECTS)


@public_detail  # 公开 items open without signing in (only those)
def project_detail(request, pk: int):
    project = selectors.access_project(request.user, pk)
    can_edit = rules.can_edit_project(request.user, project)
    transitions = (
        [(step.target, step.label) for step in services.PROJECT_STEPS.allowed_from(project.status)]
        if can_edit
        else []
    )
    return render(
        request,
        "research/project_detail.html",
        {
            "project": project,
            "can_edit": can_edit,
            "transitions": transitions,
            "outputs": selectors.with_authors(selectors.project_outputs(request.user, project), request.user)[
                :100
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    return create_page(
        request,
        school_ids=research_staff_school_ids(request.user),
        refused="只有学校的管理员或科研人员可以登记科研课题。",
        back="research:list",
        form=lambda school: ProjectForm(request.POST or None, viewer=request.user, school=school),
        create=lambda school, form: services.create_project(
            by=request.user, school=school, **form.service_kwargs()
        ),
        template="research/form.html",
        success=lambda project: f"已登记课题：{project.title}",
        detail="research:detail",
        context={"what": "科研课题", "cancel_url": reverse("research:list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = selectors.access_project(request.user, pk)

    def form():
        memberships = list(project.memberships.all())
        initial = {f: getattr(project, f) for f in services.PROJECT_CONTENT}
        initial.update(
            principal_investigator=project.principal_investigator_id,
            core_members=[m.teacher_id for m in memberships if m.role == "core"],
            members=[m.teacher_id for m in memberships if m.role == "member"],
            **sharing_initial(project),
        )
        return ProjectForm(
            request.POST or None,
            initial=initial,
            viewer=request.user,
            school=project.owner_school,
            project=project,
        )

    return edit_page(
        request,
        project,
        allowed=rules.can_edit_project(request.user, project),
        refused=f"只有{project.owner_school.name}的管理员或科研人员可以修改科研课题。",
        form=form,
        save=lambda form: services.update_project(by=request.user, project=project, **form.service_kwargs()),
        template="research/form.html",
        success=lambda _: "课题已保存。",
        detail="research:detail",
        context={
            "what": "科研课题",
            "item": project,
            "cancel_url": reverse("research:detail", args=[project.pk]),
        },
    )


@login_required
@require_POST
def project_status(request, pk: int):
    project = selectors.access_project(request.user, pk)
    perform(
        request,
        lambda: services.change_project_status(
            by=request.user, project=project, to=request.POST.get("to", "")
        ),
        lambda changed: f"课题状态已改为“{changed.get_status_display()}”。",
    )
    return redirect("research:detail", pk=project.pk)


# -- outputs ----------------------------------------------------------------------------------


OUTPUTS = BankList(
    namespace="research",
    selector=lambda viewer, **filters: selectors.with_authors(
        selectors.outputs_visible_to(viewer, **filters), viewer
    ),
    filter_form=lambda request: OutputFilterForm(
        request.GET or None,
        schools=active_schools(),
        show_status=bool(research_staff_school_ids(request.user)),
    ),
    template="research/output_list.html",
    items_name="outputs",
    importer=OutputImporter,
    export_filename="科研成果导出.xlsx",
    list_name="output_list",
    import_prefix="output_",
    context=_can_create,
)
output_list = list_view(OUTPUTS)
output_export = export_view(OUTPUTS)
output_import_template, output_import, output_import_status = import_views(OUTPUTS)


@public_detail  # 公开 items open without signing in (only those)
def output_detail(request, pk: int, endorsement_form=None, status: int = 200):
    output = selectors.access_output(request.user, pk)
    can_edit = rules.can_edit_output(request.user, output)
    return render(
        request,
        "research/output_detail.html",
        {
            "output": output,
            "can_edit": can_edit,
            "endorsements": selectors.endorsements_visible_to(request.user, output=output),
            "endorsement_form": endorsement_form or (EndorsementForm() if can_edit else None),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def output_create(request):
    return create_page(
        request,
        school_ids=research_staff_school_ids(request.user),
        refused="只有学校的管理员或科研人员可以登记科研成果。",
        back="research:output_list",
        form=lambda school: OutputForm(
            request.POST or None,
            request.FILES or None,
            viewer=request.user,
            school=school,
            initial={"project": request.GET.get("project")},
        ),
        create=lambda school, form: services.create_output(
            by=request.user, school=school, **form.service_kwargs()
        ),
        template="research/form.html",
        success=lambda output: f"已登记成果：{output.title}",
        detail="research:output_detail",
        context={"what": "科研成果", "multipart": True, "cancel_url": reverse("research:output_list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def output_edit(request, pk: int):
    output = selectors.access_output(request.user, pk)

    def form():
        initial = {f: getattr(output, f) for f in services.OUTPUT_CONTENT}
        initial.update(
            authors=list(output.authors.all()), project=output.project_id, **sharing_initial(output)
        )
        return OutputForm(
            request.POST or None,
            request.FILES or None,
            initial=initial,
            viewer=request.user,
            school=output.owner_school,
            output=output,
        )

    return edit_page(
        request,
        output,
        allowed=rules.can_edit_output(request.user, output),
        refused=f"只有{output.owner_school.name}的管理员或科研人员可以修改科研成果。",
        form=form,
        save=lambda form: services.update_output(by=request.user, output=output, **form.service_kwargs()),
        template="research/form.html",
        success=lambda _: "成果已保存。",
        detail="research:output_detail",
        context={
            "what": "科研成果",
            "item": output,
            "multipart": True,
            "cancel_url": reverse("research:output_detail", args=[output.pk]),
        },
    )


@login_required
@require_POST
def output_retire(request, pk: int):
    output = selectors.access_output(request.user, pk)
    restore = request.POST.get("action") == "restore"
    perform(
        request,
        lambda: services.set_output_active(by=request.user, output=output, active=restore),
        "成果已恢复。" if restore else "成果已停用（仅本校科研人员可以看到，不再计入排行）。",
    )
    return redirect("research:output_detail", pk=output.pk)


@login_required
def output_file(request, pk: int):
    output = selectors.access_output(request.user, pk)
    return download_response(output.file, output.file_name)


# -- endorsements -----------------------------------------------------------------------------


@login_required
@require_POST
def endorsement_add(request, pk: int):
    output = selectors.access_output(request.user, pk)
    form = EndorsementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_endorsement(by=request.user, output=output, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "批示已登记，待核实后计入统计。")
            return redirect("research:output_detail", pk=output.pk)
    return output_detail(request, pk, endorsement_form=form, status=400)


@login_required
@require_POST
def endorsement_verify(request, pk: int):
    endorsement = selectors.access_endorsement(request.user, pk)
    if request.POST.get("action") == "remove":
        perform(
            request,
            lambda: services.remove_endorsement(by=request.user, endorsement=endorsement),
            "批示已删除。",
        )
    else:
        perform(
            request,
            lambda: services.verify_endorsement(by=request.user, endorsement=endorsement),
            "批示已核实，计入统计。",
        )
    return redirect("research:output_detail", pk=endorsement.output_id)


@login_required
def endorsement_evidence(request, pk: int):
    endorsement = selectors.access_endorsement(request.user, pk)
    return download_response(endorsement.evidence, endorsement.evidence_name)


@login_required
def ranking(request):
    form = OutputFilterForm(request.GET or None, schools=[])
    year = form.filters().get("year") if request.GET else None
    return render(
        request,
        "research/ranking.html",
        {
            "outputs": selectors.output_ranking(request.user, year=year),
            "schools": selectors.school_ranking(request.user, year=year),
            "year": year,
            "form": form,
        },
    )

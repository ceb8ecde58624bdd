"""Pages of 合备一门课: thin — parse, call a selector or a service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts.models import User
from yiwang.activity.services import record_export
from yiwang.banks.listing import form_page, pick_school
from yiwang.classes.selectors import classes_visible_to
from yiwang.core.errors import DomainError
from yiwang.core.excel import write_rows, xlsx_response
from yiwang.core.files import download_response
from yiwang.core.views_support import form_error, querystring_without_page
from yiwang.courses.rules import can_publish_course
from yiwang.courses.selectors import access_course
from yiwang.network.rules import class_runner_school_ids, staff_school_ids
from yiwang.reviews.enums import RubricPurpose, SheetStatus
from yiwang.reviews.forms import ScoreSheetForm
from yiwang.reviews.selectors import rubrics_usable_by
from yiwang.topics.selectors import access_topic

from . import diffing, rules, selectors, services
from .enums import STAGE_ORDER, RoundStatus, Stage
from .forms import (
    AdoptForm,
    AdoptionForm,
    CloseRoundForm,
    CommentForm,
    CompareForm,
    MemberForm,
    OpenRoundForm,
    PlanForm,
    ProjectFilterForm,
    ProjectForm,
    PublishForm,
    ReleaseForm,
    ReviewerForm,
    SchoolForm,
    TaskForm,
    TrialForm,
    VersionForm,
)
from .models import Task, TeamMember


def _back(project, anchor: str = ""):
    return redirect(reverse("codev:project", args=[project.pk]) + (f"#{anchor}" if anchor else ""))


def _run(request, action, success) -> bool:
    """Call ``action``; its Chinese error, or ``success`` (a text, or a function of the result)."""
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def _submit(request, form, action, success) -> None:
    """A posted form: its errors, or ``action(cleaned_data)`` through ``_run``."""
    if not form.is_valid():
        _form_errors(request, form)
        return
    data = form.cleaned_data
    _run(request, lambda: action(data), success)


def _material_fields(data) -> dict:
    """A version form's fields as the material services take them."""
    fields = {k: data[k] for k in ("kind", "title", "note")}
    return {**fields, "text": data.get("text", ""), "file": data.get("file")}


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


_PK = 2_147_483_647  # a primary key no row has: the place of the pk in a reversed path


def _with_urls(projects, name: str = "codev:project") -> list:
    """Each row's link (``p.url``), the path reversed once for the page instead of once a row."""
    path = reverse(name, args=[_PK])
    for p in projects:
        p.url = path.replace(str(_PK), str(p.pk))
    return projects


@login_required
def index(request):
    """合备一门课: projects by module and stage, and the list under it."""
    form = ProjectFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    counts = selectors.grid_counts(request.user)
    page = selectors.project_page(request.user, request.GET.get("page"), counts=counts, **filters)
    return render(
        request,
        "codev/index.html",
        {
            "form": form,
            "page": page,
            "projects": _with_urls(page.items),
            "grid": selectors.module_stage_grid(request.user, counts),
            "stages": [Stage(s) for s in STAGE_ORDER],
            "can_create": bool(
                staff_school_ids(request.user, *rules.OFFICE_FLAGS, "is_training_staff", "is_research_staff")
            ),
            "my_sheets": selectors.sheets_assigned_to(request.user).filter(status=SheetStatus.ASSIGNED)[:20],
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    school, schools = pick_school(
        request, staff_school_ids(request.user, *rules.OFFICE_FLAGS, "is_training_staff", "is_research_staff")
    )
    if school is None:
        messages.error(request, "只有学校的管理员、教务、培训或科研人员可以发起共建项目。")
        return redirect("codev:index")
    form = ProjectForm(request.POST or None, school=school)
    return form_page(
        request,
        form,
        lambda: services.create_project(by=request.user, school=school, **form.service_kwargs()),
        template="codev/project_form.html",
        context={"school": school, "schools": schools},
        success=lambda p: f"已发起共建项目：{p.title}",
        detail="codev:project",
    )


@login_required
def project_detail(request, pk: int):
    """The team's workspace: who does what, what is due, what changed since my last visit."""
    project = selectors.access_project(request.user, pk)
    team = selectors.team_of(project)
    can_work = rules.can_work_on(request.user, project)
    can_lead = rules.can_lead(request.user, project)
    can_review = rules.can_run_review(request.user, project)
    changes = selectors.changes_since_last_visit(request.user, project) if can_work else None
    rounds = selectors.rounds_of(project)
    last = rounds[-1] if rounds else None
    plan = selectors.plan_of(project)  # shown, and the lead's plan form (read once)
    context = {
        "project": project,
        "schools": list(project.schools.all()),
        "team": team,
        "plan": plan,
        "tasks": selectors.tasks_of(project),
        "materials": selectors.materials_of(project),
        "comments": selectors.comments_of(project) if can_work else [],
        "rounds": rounds,
        "open_round": next((r for r in rounds if r.status == RoundStatus.OPEN), None),
        "can_publish": can_review
        and project.stage == Stage.REVIEW
        and last is not None
        and last.status == RoundStatus.CLOSED
        and last.passed,
        "changes": changes,
        "events": selectors.recent_events(project) if can_work else [],
        "can_work": can_work,
        "can_lead": can_lead,
        "can_review": can_review,
        "stage_steps": [s for s in services.STEPS.allowed_from(project.stage) if s.who == "lead"]
        if can_lead
        else [],
        "task_steps": services.TASK_STEPS,
        "task_form": TaskForm(team=team, auto_id="task_%s") if can_work else None,
        "comment_form": CommentForm(auto_id="comment_%s") if can_work else None,
        "version_form": VersionForm(auto_id="version_%s")
        if can_work and project.stage != Stage.PUBLISHED
        else None,
        "member_form": MemberForm(school_ids=rules.team_school_ids(project), auto_id="member_%s")
        if can_lead
        else None,
        "school_form": SchoolForm(exclude=rules.team_school_ids(project), auto_id="school_%s")
        if can_lead and project.stage != Stage.PUBLISHED
        else None,
        "plan_form": PlanForm(plan=plan, auto_id="plan_%s") if can_lead else None,
        "round_form": OpenRoundForm(rubrics=rubrics_usable_by(None, RubricPurpose.COURSE), auto_id="round_%s")
        if can_lead and project.stage in (Stage.WRITING, Stage.TRIAL)
        else None,
        "publish_form": PublishForm(auto_id="publish_%s") if can_review else None,
        "stages": [Stage(s) for s in STAGE_ORDER],
        "trials": selectors.trials_of(project),
        "trial_form": TrialForm(classes=_trial_classes(request.user, project), auto_id="trial_%s")
        if can_lead and project.stage == Stage.TRIAL
        else None,
    }
    response = render(request, "codev/project.html", context)
    if can_work:
        services.record_visit(viewer=request.user, project=project)
    return response


def _trial_classes(user, project):
    """Classes of the team's schools that the viewer runs and that have not ended."""
    from django.utils import timezone

    schools = set(class_runner_school_ids(user)) & set(rules.team_school_ids(project))
    return (
        classes_visible_to(user)
        .filter(owner_school_id__in=schools, end_date__gte=timezone.localdate())
        .order_by("start_date", "id")
    )


@login_required
@require_POST
def trial_create(request, pk: int):
    project = selectors.access_project(request.user, pk)
    form = TrialForm(request.POST, classes=_trial_classes(request.user, project))
    _submit(
        request,
        form,
        lambda data: services.schedule_trial(by=request.user, project=project, **data),
        "已安排试讲，其他学校的教师可以报名观摩并评课。",
    )
    return _back(project, "trials")


def _project_post(request, pk):
    return selectors.access_project(request.user, pk)


@login_required
@require_POST
def project_stage(request, pk: int):
    project = _project_post(request, pk)
    to = request.POST.get("to", "")
    _run(request, lambda: services.move_stage(by=request.user, project=project, to=to), "项目阶段已更新。")
    return _back(project)


def _workspace_form(request, pk: int, anchor: str, form, action, success):
    """A form posted from the workspace: the project (visible to the viewer), ``form(project)``
    bound to the post, ``action(project, form)`` through ``_submit``; back at ``anchor``."""
    project = _project_post(request, pk)
    bound = form(project)
    _submit(request, bound, lambda data: action(project, bound), success)
    return _back(project, anchor)


@login_required
@require_POST
def project_plan(request, pk: int):
    return _workspace_form(
        request,
        pk,
        "plan",
        lambda project: PlanForm(request.POST, plan=selectors.plan_of(project)),
        lambda project, form: services.set_plan(by=request.user, project=project, plan=form.plan()),
        "阶段计划已保存。",
    )


@login_required
@require_POST
def member_add(request, pk: int):
    return _workspace_form(
        request,
        pk,
        "team",
        lambda project: MemberForm(request.POST, school_ids=rules.team_school_ids(project)),
        lambda project, form: services.add_member(
            by=request.user, project=project, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
        ),
        lambda member: f"已把{member.user.full_name}加入项目组。",
    )


@login_required
@require_POST
def member_remove(request, pk: int, member_id: int):
    project = _project_post(request, pk)
    member = TeamMember.objects.filter(project=project, pk=member_id).select_related("user").first()
    if member is None:
        messages.error(request, "未找到该成员。")
    else:
        _run(request, lambda: services.remove_member(by=request.user, member=member), "已移出项目组。")
    return _back(project, "team")


@login_required
@require_POST
def school_add(request, pk: int):
    def add(project, form):
        school = form.cleaned_data["school"]
        services.add_school(by=request.user, project=project, school=school)
        return school

    return _workspace_form(
        request,
        pk,
        "team",
        lambda project: SchoolForm(request.POST, exclude=rules.team_school_ids(project)),
        add,
        lambda school: f"{school.name}已加入项目。",
    )


@login_required
@require_POST
def task_create(request, pk: int):
    return _workspace_form(
        request,
        pk,
        "tasks",
        lambda project: TaskForm(request.POST, team=selectors.team_of(project)),
        lambda project, form: services.create_task(by=request.user, project=project, **form.cleaned_data),
        "任务已布置。",
    )


@login_required
@require_POST
def task_status(request, pk: int, task_id: int):
    project = _project_post(request, pk)
    task = Task.objects.filter(project=project, pk=task_id).select_related("assignee", "project").first()
    if task is None:
        messages.error(request, "未找到该任务。")
    else:
        to = request.POST.get("to", "")
        _run(request, lambda: services.set_task_status(by=request.user, task=task, to=to), "任务状态已更新。")
    return _back(project, "tasks")


@login_required
@require_POST
def comment_create(request, pk: int):
    project = _project_post(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(project, "discussion")
    material = None
    try:
        if form.cleaned_data.get("material"):
            material = selectors.material_of(project, form.cleaned_data["material"])
        services.add_comment(
            by=request.user, project=project, body=form.cleaned_data["body"], material=material
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已发表。")
    if material is not None:
        return redirect("codev:material", pk=project.pk, material_id=material.pk)
    return _back(project, "discussion")


@login_required
@require_POST
def version_create(request, pk: int):
    return _workspace_form(
        request,
        pk,
        "materials",
        lambda project: VersionForm(request.POST, request.FILES),
        lambda project, form: services.add_version(
            by=request.user,
            project=project,
            link=form.cleaned_data.get("link", ""),
            **_material_fields(form.cleaned_data),
        ),
        lambda material: f"已保存“{material.title}”第 {material.version} 版。",
    )


@login_required
def material_detail(request, pk: int, material_id: int):
    project = selectors.access_project(request.user, pk)
    material = selectors.material_of(project, material_id)
    can_work = rules.can_work_on(request.user, project)
    return render(
        request,
        "codev/material.html",
        {
            "project": project,
            "material": material,
            "comments": selectors.comments_of(project, material) if can_work else [],
            "comment_form": CommentForm(initial={"material": material.pk}) if can_work else None,
        },
    )


@login_required
def material_download(request, pk: int, material_id: int):
    project = selectors.access_project(request.user, pk)
    material = selectors.material_of(project, material_id)
    if not material.file:
        return redirect(material.link)
    return download_response(material.file, material.original_name)


@login_required
def compare(request, pk: int):
    project = selectors.access_project(request.user, pk)
    form = CompareForm(request.GET or None)
    result, error = None, ""
    if form.is_valid():
        try:
            result = selectors.compare_versions(project, form.cleaned_data["a"], form.cleaned_data["b"])
        except DomainError as exc:
            error = exc.message
    else:
        error = "请选择要对比的两个版本。"
    return render(
        request,
        "codev/compare.html",
        {
            "project": project,
            "result": result,
            "counts": diffing.change_counts(result["rows"]) if result else None,
            "error": error,
        },
        status=400 if error else 200,
    )


# -- review rounds ----------------------------------------------------------------------------


@login_required
@require_POST
def round_open(request, pk: int):
    project = _project_post(request, pk)
    form = OpenRoundForm(request.POST, rubrics=rubrics_usable_by(None, RubricPurpose.COURSE))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(project, "review")
    try:
        review_round = services.open_review(
            by=request.user,
            project=project,
            rubric=form.cleaned_data["rubric"],
            blind=form.cleaned_data["blind"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(project, "review")
    messages.success(request, f"已送审第 {review_round.number} 轮。")
    return redirect("codev:round", pk=review_round.pk)


@login_required
def round_detail(request, pk: int):
    review_round = selectors.access_round(request.user, pk)
    project = review_round.project
    can_review = rules.can_run_review(request.user, project)
    result = selectors.round_result(review_round)
    return render(
        request,
        "codev/round.html",
        {
            "round": review_round,
            "project": project,
            "materials": selectors.round_materials(review_round),
            "result": result,
            "can_review": can_review,
            "reviewer_form": ReviewerForm()
            if can_review and review_round.status == RoundStatus.OPEN
            else None,
            "close_form": CloseRoundForm()
            if can_review and review_round.status == RoundStatus.OPEN
            else None,
        },
    )


@login_required
@require_POST
def round_assign(request, pk: int):
    review_round = selectors.access_round(request.user, pk)
    form = ReviewerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        reviewer = User.objects.filter(username=form.cleaned_data["username"].strip(), is_active=True).first()
        if reviewer is None:
            messages.error(request, "没有这个用户名的账号。")
        else:
            _run(
                request,
                lambda: services.assign_reviewer(
                    by=request.user, review_round=review_round, reviewer=reviewer
                ),
                f"已指定评审人：{reviewer.full_name}",
            )
    return redirect("codev:round", pk=review_round.pk)


@login_required
@require_POST
def round_close(request, pk: int):
    review_round = selectors.access_round(request.user, pk)
    form = CloseRoundForm(request.POST)
    _submit(
        request,
        form,
        lambda data: services.close_review(
            by=request.user, review_round=review_round, decision=data["decision"], reasons=data["reasons"]
        ),
        "评审已结束，结论已发送给项目组。",
    )
    return redirect("codev:round", pk=review_round.pk)


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request, pk: int):
    """A reviewer's sheet: the submitted versions (without the team's names in a blind round) and the scores."""
    review_sheet, review_round = selectors.access_my_sheet(request.user, pk)
    indicators = list(review_sheet.rubric.indicators.order_by("position", "id"))
    form = ScoreSheetForm(request.POST or None, indicators=indicators)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_review(
                    by=request.user,
                    sheet=review_sheet,
                    scores=form.scores(),
                    comments=form.comments(),
                    comment=form.cleaned_data.get("comment", ""),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(request, "评审表已提交。")
                return redirect("codev:sheet", pk=review_sheet.pk)
        else:
            status = 400
    review_sheet.refresh_from_db()
    return render(
        request,
        "codev/sheet.html",
        {
            "sheet": review_sheet,
            "round": review_round,
            "project": review_round.project,
            "materials": selectors.round_materials(review_round),
            "form": form,
            "scores": list(review_sheet.scores.select_related("indicator")),
        },
        status=status,
    )


@login_required
def round_material(request, pk: int, material_id: int):
    """A submitted version, for the round's reviewers (who never see the workspace) and the team."""
    review_round = selectors.round_by_pk(pk)
    material = selectors.round_material_for(request.user, review_round, material_id)
    return render(
        request,
        "codev/round_material.html",
        {"round": review_round, "material": material, "blind": review_round.blind},
    )


@login_required
@require_POST
def project_publish(request, pk: int):
    project = _project_post(request, pk)
    form = PublishForm(request.POST)
    form.is_valid()
    featured = bool(form.cleaned_data.get("featured"))
    if _run(
        request,
        lambda: services.publish_project(by=request.user, project=project, featured=featured),
        "课程已发布到课程库。",
    ):
        return redirect("courses:detail", pk=project.course_id)
    return _back(project, "review")


@login_required
def review_export(request):
    rows = selectors.review_rows(request.user)
    record_export(actor=request.user, list_name="合备一门课评审结果.xlsx", rows=len(rows))
    return xlsx_response(write_rows("评审结果", selectors.REVIEW_HEADER, rows), "合备一门课评审结果.xlsx")


# -- releases and adoptions -------------------------------------------------------------------


def _adoptions_page(request, *, original, is_owner: bool, template: str, context: dict):
    """The owner's view of one original: who adopted which version, who is behind."""
    adoptions = selectors.adoptions_of(original) if is_owner else []
    return render(
        request,
        template,
        {
            "adoptions": adoptions,
            "adoption_count": len(adoptions) if is_owner else selectors.adoption_count(original),
            "is_owner": is_owner,
            **context,
        },
    )


@login_required
def course_adoptions(request, course_id: int):
    """The owner's view: the course's releases, who adopted which version and who is behind."""
    course = access_course(request.user, course_id)
    is_owner = can_publish_course(request.user, course)
    return _adoptions_page(
        request,
        original=course,
        is_owner=is_owner,
        template="codev/course_adoptions.html",
        context={
            "course": course,
            "releases": selectors.releases_of(course.pk),
            "release_form": ReleaseForm(auto_id="release_%s") if is_owner else None,
            "version_form": VersionForm(auto_id="version_%s") if is_owner else None,
        },
    )


@login_required
def topic_adoptions(request, topic_id: int):
    """The topic owner's view: which schools adopted the topic, who has not taken its changes."""
    topic = access_topic(request.user, topic_id)
    is_owner = topic.owner_school_id in set(staff_school_ids(request.user))
    return _adoptions_page(
        request,
        original=topic,
        is_owner=is_owner,
        template="codev/topic_adoptions.html",
        context={"topic": topic},
    )


@login_required
@require_POST
def course_release(request, course_id: int):
    course = access_course(request.user, course_id)
    _submit(
        request,
        ReleaseForm(request.POST),
        lambda data: services.publish_update(by=request.user, course=course, note=data["note"]),
        "已发布新版本，引用学校已收到通知。",
    )
    return redirect("codev:course_adoptions", course_id=course.pk)


@login_required
@require_POST
def course_version(request, course_id: int):
    course = access_course(request.user, course_id)
    _submit(
        request,
        VersionForm(request.POST, request.FILES),
        lambda data: services.add_course_version(by=request.user, course=course, **_material_fields(data)),
        "已保存新版本资料；发布新版本后引用学校会收到通知。",
    )
    return redirect("codev:course_adoptions", course_id=course.pk)


# what may be adopted: noun, the one-object read, the service, its id argument, the detail page
_ADOPTABLE = {
    "course": ("课程", access_course, services.adopt_course, "course_id", "courses:detail"),
    "topic": ("讲题", access_topic, services.adopt_topic, "topic_id", "topics:detail"),
}


def _adopt_page(request, kind: str, pk: int):
    """引用到本校: pick one of the viewer's other schools, the local notes and place."""
    noun, access, adopt_service, id_arg, detail = _ADOPTABLE[kind]
    original = access(request.user, pk)
    school_ids = [s for s in staff_school_ids(request.user) if s != original.owner_school_id]
    form = AdoptForm(request.POST or None, school_ids=school_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adoption = adopt_service(
                by=request.user,
                school=data["school"],
                local_notes=data["local_notes"],
                local_place=data["local_place"],
                **{id_arg: original.pk},
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            [adoption] = selectors.with_latest([adoption])
            label = selectors.version_label(adoption)
            messages.success(request, f"{adoption.adopter_school.name}已引用该{noun}（{label}）。")
            return redirect("codev:adoption", pk=adoption.pk)
    return render(
        request,
        "codev/adopt.html",
        {"form": form, "noun": noun, "original": original, "back": reverse(detail, args=[original.pk])},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request, course_id: int):
    return _adopt_page(request, "course", course_id)


@login_required
@require_http_methods(["GET", "POST"])
def adopt_topic(request, topic_id: int):
    return _adopt_page(request, "topic", topic_id)


@login_required
def adoptions_mine(request):
    adoptions = selectors.with_latest(
        selectors.adoptions_visible_to(request.user, "all").order_by("-updated_at", "-id")[:200]
    )
    return render(request, "codev/adoptions.html", {"adoptions": adoptions})


@login_required
def adoption_export(request):
    rows = selectors.adoption_rows(request.user)
    record_export(actor=request.user, list_name="引用.xlsx", rows=len(rows))
    return xlsx_response(write_rows("引用", selectors.ADOPTION_HEADER, rows), "引用.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def adoption_detail(request, pk: int):
    adoption = selectors.access_adoption(request.user, pk)
    [adoption] = selectors.with_latest([adoption])
    can_edit = rules.can_adopt_for(request.user, adoption.adopter_school)
    visible = selectors.original_is_visible(request.user, adoption)
    form = AdoptionForm(
        request.POST or None,
        initial={"local_notes": adoption.local_notes, "local_place": adoption.local_place},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_adoption(by=request.user, adoption=adoption, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "本校的安排已保存。")
            return redirect("codev:adoption", pk=adoption.pk)
    changes = []
    if visible and adoption.behind > 0:
        changes = (
            selectors.topic_changes(adoption) if adoption.is_topic else selectors.release_changes(adoption)
        )
    return render(
        request,
        "codev/adoption.html",
        {
            "adoption": adoption,
            "can_edit": can_edit,
            "original_visible": visible,
            "form": form if can_edit else None,
            "changes": changes,
            "local_teachers": list(adoption.local_teachers.all()),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def adoption_take(request, pk: int):
    adoption = selectors.access_adoption(request.user, pk)
    _run(
        request,
        lambda: services.take_update(by=request.user, adoption=adoption),
        "已更新到最新版本，本校的安排保留不变。",
    )
    return redirect("codev:adoption", pk=adoption.pk)

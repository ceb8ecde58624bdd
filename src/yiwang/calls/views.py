"""Pages of 共研一个题. Thin: a selector or a service per page; refusals shown as messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.activity.services import record_export
from yiwang.banks.listing import BankList, form_page, import_views, pick_school
from yiwang.classes.models import TrainingClass
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.excel import write_rows, xlsx_response
from yiwang.core.files import download_response
from yiwang.core.pagination import paginate_capped
from yiwang.core.views_support import querystring_without_page, submit_form
from yiwang.faculty.models import Teacher
from yiwang.network.rules import class_runner_school_ids, research_staff_school_ids
from yiwang.research.enums import LeaderLevel
from yiwang.research.selectors import access_endorsement
from yiwang.reviews.forms import ScoreSheetForm
from yiwang.reviews.selectors import summarise

from . import rules, selectors, services
from .enums import ApplicationStatus, CallPhase, MilestoneStatus
from .excel import PastProjectImporter
from .forms import (
    AdjustmentForm,
    AdoptionForm,
    ApplicationForm,
    AssignReviewerForm,
    CallFilterForm,
    CallForm,
    CommentForm,
    EndorsementForm,
    EventForm,
    ExpenseForm,
    ExtensionForm,
    FileForm,
    GrantForm,
    InviteExpertForm,
    MilestoneForm,
    NoteForm,
    RankingForm,
    ReportForm,
    ScheduleForm,
    application_initial,
)
from .models import Application, BudgetAdjustment, Milestone, ResearchEvent

S = ApplicationStatus
#: The call page's budget statement shows the first rows; the export has every project.
BUDGET_ROWS = 50


def _act(request, action, success: str, back: str):
    """Run a service for a POST; its refusal becomes an error message, nothing changed."""
    try:
        action()
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back)


def _form_act(request, form, action, success: str, back: str):
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors or "请检查填写的内容。")
        return redirect(back)
    return _act(request, action, success, back)


# -- index and calls --------------------------------------------------------------------------


@login_required
def index(request):
    return render(request, "calls/index.html", selectors.home_page(request.user))


@login_required
def call_list(request):
    form = CallFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = paginate_capped(selectors.calls_visible_to(request.user, **filters), request.GET.get("page"))
    return render(
        request,
        "calls/call_list.html",
        {
            "form": form,
            "page": page,
            "calls": page.items,
            "querystring_without_page": querystring_without_page(request),
            "can_publish": bool(research_staff_school_ids(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request):
    school, schools = pick_school(request, research_staff_school_ids(request.user))
    if school is None:
        messages.error(request, "只有学校的管理员或科研人员可以发布课题申报。")
        return redirect("calls:index")
    form = CallForm(request.POST or None, school=school)
    result = submit_form(
        request, form, lambda: services.create_call(by=request.user, school=school, **form.service_kwargs())
    )
    if result is not None:
        messages.success(request, f"已创建申报批次：{result.title}（尚未发布）")
        return redirect("calls:call_detail", pk=result.pk)
    return render(
        request,
        "calls/form.html",
        {"form": form, "school": school, "schools": schools, "heading": "发布课题申报", "multipart": False},
        status=400 if form.errors else 200,
    )


@login_required
def call_detail(request, pk: int):
    viewer = request.user
    call = selectors.access_call(viewer, pk)
    office = rules.is_issuing_office(viewer, call)
    now = timezone.now()
    phase = selectors.call_phase(call, now)
    teacher = Teacher.objects.filter(user=viewer).select_related("owner_school").first()
    applications = (
        paginate_capped(
            # the list shows title, home school, budget and status: no other joins or columns
            selectors.applications_visible_to(viewer, call=call)
            .exclude(status=S.DRAFT)
            .select_related(None)
            .select_related("home_school")
            .only("title", "status", "budget_total", "home_school__short_name"),
            request.GET.get("page"),
        )
        if office
        else None
    )
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "phase": phase,
            "phase_label": CallPhase(phase).label,
            "office": office,
            "can_apply": phase == "open"
            and teacher is not None
            and rules.school_eligible(call, teacher.owner_school),
            "eligible_teacher": teacher,
            "results": selectors.published_results(call),
            "mine": list(
                selectors.my_applications(viewer)
                .filter(call=call)
                .select_related(None)
                .only("title", "status")
            ),
            "applications_page": applications,
            "applications": applications.items if office else [],
            "querystring_without_page": querystring_without_page(request),
            "budget": selectors.call_budget_statement(viewer, call, limit=BUDGET_ROWS) if office else [],
            "comments": list(selectors.comments_of(call)[:200]),
            "events": list(selectors.events_of(call)),
            "comment_form": CommentForm(prefix="comment"),
            "event_form": EventForm(prefix="event") if office else None,
        },
    )


def _call_post(service, success: str):
    """The issuing office's button on a call page (publish, publish results)."""

    @login_required
    @require_POST
    def view(request, pk: int):
        call = selectors.access_call(request.user, pk)
        return _act(
            request,
            lambda: service(by=request.user, call=call),
            success,
            reverse("calls:call_detail", args=[pk]),
        )

    return view


call_publish = _call_post(services.publish_call, "已发布，申报范围内的学校现在可以申报。")
call_results = _call_post(services.publish_results, "已公布评审结果，并通知了每位申报人。")


@login_required
def call_ranking(request, pk: int):
    """The office's review ranking of one call: average with spread, each reviewer's sheet."""
    call = selectors.access_call(request.user, pk)
    if not rules.is_issuing_office(request.user, call):
        raise NotFoundError()
    page = selectors.call_ranking(request.user, call, request.GET.get("page"))
    return render(
        request,
        "calls/call_ranking.html",
        {
            "call": call,
            "page": page,
            "rows": page.items,
            "first_rank": (page.number - 1) * 50,
            "querystring_without_page": querystring_without_page(request),
            "grant_form": GrantForm(),
        },
    )


APPLICATION_HEADER = [
    "编号",
    "批次",
    "课题名称",
    "指南题目",
    "所在单位",
    "负责人",
    "课题组",
    "申请经费（万元）",
    "状态",
    "立项经费（万元）",
    "提交时间",
]


def _application_row(a) -> list:
    return [
        a.pk,
        a.call.title,
        a.title,
        a.guide_topic.title if a.guide_topic_id else "自选题目",
        a.home_school.name,
        a.principal.name,
        "、".join(f"{m.teacher.name}（{m.teacher.owner_school.short_name}）" for m in a.team.all()),
        a.budget_total,
        a.get_status_display(),
        a.granted_amount if a.granted_amount is not None else "",
        timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M") if a.submitted_at else "",
    ]


@login_required
def application_export(request, pk: int):
    """Applications and results of a call, as the viewer may see them (the office: all submitted)."""
    call = selectors.access_call(request.user, pk)
    qs = selectors.applications_visible_to(request.user, call=call).prefetch_related(
        selectors.team_prefetch()
    )
    rows = [_application_row(a) for a in qs[:100_000]]
    data = write_rows("申报书", APPLICATION_HEADER, rows)
    record_export(
        actor=request.user,
        list_name=f"{call.title}申报书导出.xlsx",
        filters={"call": call.pk},
        rows=len(rows),
    )
    return xlsx_response(data, f"{call.title}申报与结果.xlsx")


# 往年立项课题 from Excel: the banks' template, upload and job-status pages (``banks.imports``).
PAST_PROJECTS = BankList(
    namespace="calls",
    selector=selectors.calls_visible_to,
    filter_form=lambda request: CallFilterForm(request.GET or None),
    template="calls/call_list.html",
    items_name="calls",
    importer=PastProjectImporter,
    export_filename="",
    list_name="call_list",
    import_prefix="project_",
)
project_import_template, project_import, project_import_status = import_views(PAST_PROJECTS)


# -- applications -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request, pk: int):
    call = selectors.access_call(request.user, pk)
    form = ApplicationForm(request.POST or None, call=call, viewer=request.user)
    return form_page(
        request,
        form,
        lambda: services.create_application(by=request.user, call=call, **form.service_kwargs()),
        template="calls/application_form.html",
        context={"call": call, "heading": f"申报：{call.title}"},
        success=lambda _: "已保存申报书草稿；请上传附件、等待成员确认后提交。",
        detail="calls:application_detail",
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk: int):
    app = selectors.access_application(request.user, pk)
    form = ApplicationForm(
        request.POST or None, call=app.call, viewer=request.user, initial=application_initial(app)
    )
    return form_page(
        request,
        form,
        lambda: services.update_application(by=request.user, application=app, **form.service_kwargs()),
        template="calls/application_form.html",
        context={"call": app.call, "heading": f"修改申报书：{app.title}"},
        success=lambda _: "已保存申报书。",
        detail="calls:application_detail",
    )


@login_required
def application_detail(request, pk: int):
    viewer = request.user
    app = selectors.access_application(viewer, pk)
    call = app.call
    office = rules.is_issuing_office(viewer, call)
    lead = rules.can_lead(viewer, app)
    granted = app.status == S.GRANTED
    milestones = selectors.open_milestone_kinds(app) if granted else []
    for m in milestones:
        m.form = MilestoneForm(prefix=f"m{m.pk}")
        m.extension_form = ExtensionForm(prefix=f"x{m.pk}")
    sheets = selectors.sheets_by_application([app.pk]).get(app.pk, []) if office else []
    runner_classes = TrainingClass.objects.filter(
        owner_school_id__in=class_runner_school_ids(viewer)
    ).order_by("-start_date")[:50]
    reports = selectors.application_reports(viewer, app)
    for o in reports:
        o.endorsement_form = EndorsementForm(prefix=f"e{o.pk}")
        o.adoption_form = AdoptionForm(prefix=f"a{o.pk}")
    events = list(selectors.events_of(call, app))
    for e in events:
        e.schedule_form = ScheduleForm(classes=runner_classes, prefix=f"s{e.pk}") if runner_classes else None
    return render(
        request,
        "calls/application_detail.html",
        {
            "app": app,
            "call": call,
            "office": office,
            "home": rules.is_home_office(viewer, app),
            "lead": lead,
            "team_view": rules.is_team(viewer, app),
            "my_unconfirmed": [
                m for m in app.team.all() if m.confirmed_at is None and m.teacher.user_id == viewer.pk
            ],
            "missing_files": [
                n for n in call.required_attachments if n not in {f.label for f in app.files.all()}
            ],
            "sheets": sheets,
            "summary": summarise(sheets) if sheets else None,
            "milestones": milestones,
            "lines": selectors.budget_statement(app),
            "expenses": list(selectors.expenses_of(app)[:200]) if granted else [],
            "adjustments": list(BudgetAdjustment.objects.filter(line__application=app).select_related("line"))
            if granted
            else [],
            "reports": reports,
            "comments": list(selectors.comments_of(call, app)[:200]),
            "events": events,
            "statuses": ApplicationStatus,
            "project_status": app.project.status if app.project_id else "",
            "forms": {
                "file": FileForm(
                    prefix="file", initial={"label": (call.required_attachments or ["申报书"])[0]}
                ),
                "note": NoteForm(),
                "assign": AssignReviewerForm(viewer=viewer, prefix="assign")
                if office and app.status == S.IN_REVIEW
                else None,
                "invite": InviteExpertForm(prefix="invite") if office and app.status == S.IN_REVIEW else None,
                "grant": GrantForm(prefix="grant", initial={"amount": app.budget_total}),
                "expense": ExpenseForm(application=app, prefix="expense") if granted else None,
                "adjustment": AdjustmentForm(application=app, prefix="adj") if granted else None,
                "report": ReportForm(prefix="report"),
                "comment": CommentForm(prefix="comment"),
                "event": EventForm(prefix="event"),
                "schedule": bool(runner_classes),
            },
            "invite_url": request.session.pop(f"calls_invite_{app.pk}", ""),
            "leader_levels": LeaderLevel,
            "milestone_statuses": MilestoneStatus,
        },
    )


def _back(pk) -> str:
    return reverse("calls:application_detail", args=[pk])


def _with_note(service, **fixed):
    """An action whose service takes the page's 审核意见 (``note``) besides its fixed arguments."""
    return lambda r, a: service(by=r.user, application=a, note=r.POST.get("note", ""), **fixed)


ACTIONS = {
    "submit": (lambda r, a: services.submit_application(by=r.user, application=a), "已提交。"),
    "withdraw": (lambda r, a: services.withdraw_application(by=r.user, application=a), "已撤回。"),
    "confirm": (lambda r, a: services.confirm_membership(by=r.user, application=a), "已确认加入课题组。"),
    "home_approve": (
        _with_note(services.home_review, approve=True),
        "所在单位审核通过，已报送发布单位。",
    ),
    "home_return": (
        _with_note(services.home_review, approve=False),
        "已退回申报人。",
    ),
    "check_pass": (
        _with_note(services.formal_check, outcome="pass"),
        "形式审查通过，进入专家评审。",
    ),
    "check_return": (
        _with_note(services.formal_check, outcome="return"),
        "已退回修改（仅此一次）。",
    ),
    "check_fail": (
        _with_note(services.formal_check, outcome="fail"),
        "形式审查不通过。",
    ),
    "reject": (
        _with_note(services.reject_application),
        "已决定不立项。",
    ),
    "start": (lambda r, a: services.start_project(by=r.user, application=a), "课题已进入在研。"),
    "terminate": (
        lambda r, a: services.terminate_project(by=r.user, application=a, reason=r.POST.get("note", "")),
        "课题已终止。",
    ),
}


@login_required
@require_POST
def application_action(request, pk: int, action: str):
    app = selectors.access_application(request.user, pk)
    if action not in ACTIONS:
        raise NotFoundError()
    run, success = ACTIONS[action]
    return _act(request, lambda: run(request, app), success, _back(pk))


@login_required
@require_POST
def application_file_upload(request, pk: int):
    app = selectors.access_application(request.user, pk)
    form = FileForm(request.POST, request.FILES, prefix="file")
    return _form_act(
        request,
        form,
        lambda: services.attach_file(by=request.user, application=app, **form.cleaned_data),
        "已上传附件。",
        _back(pk),
    )


def _download(files, file_id: int):
    """One of ``files`` (an application's or a milestone's attachments, already access-checked)."""
    item = files.filter(pk=file_id).first()
    if item is None:
        raise NotFoundError()
    return download_response(item.file, item.file_name)


@login_required
def application_file(request, pk: int, file_id: int):
    return _download(selectors.access_application(request.user, pk).files, file_id)


@login_required
@require_POST
def grant(request, pk: int):
    app = selectors.access_application(request.user, pk)
    form = GrantForm(request.POST, prefix="grant")
    back = (
        request.POST.get("back") == "ranking"
        and reverse("calls:call_ranking", args=[app.call_id])
        or _back(pk)
    )
    return _form_act(
        request,
        form,
        lambda: services.grant_application(by=request.user, application=app, **form.cleaned_data),
        "已立项，课题已进入科研信息库。",
        back,
    )


def _application_post(make_form, service, success: str):
    """A form POSTed on a project page: ``make_form(request, application)``, then, when valid,
    ``service(by, application, cleaned_data)``; back to the project page with its message."""

    @login_required
    @require_POST
    def view(request, pk: int):
        app = selectors.access_application(request.user, pk)
        form = make_form(request, app)
        return _form_act(
            request, form, lambda: service(request.user, app, form.cleaned_data), success, _back(pk)
        )

    return view


def _decision_post(find, decide, success: str):
    """The issuing office approves (``approve=1``) or refuses a request ``find(application, id)``."""

    @login_required
    @require_POST
    def view(request, pk: int, item_id: int):
        item = find(selectors.access_application(request.user, pk), item_id)
        approve = request.POST.get("approve") == "1"
        return _act(request, lambda: decide(request.user, item, approve), success, _back(pk))

    return view


reviewer_assign = _application_post(
    lambda r, app: AssignReviewerForm(r.POST, viewer=r.user, prefix="assign"),
    lambda by, app, data: services.assign_reviewer(by=by, application=app, teacher=data["teacher"]),
    "已分配评审专家。",
)


@login_required
@require_POST
def expert_invite(request, pk: int):
    app = selectors.access_application(request.user, pk)
    form = InviteExpertForm(request.POST, prefix="invite")

    def run():
        _, signed = services.invite_expert(by=request.user, application=app, **form.cleaned_data)
        request.session[f"calls_invite_{app.pk}"] = request.build_absolute_uri(
            reverse("calls:expert_review", args=[signed])
        )

    return _form_act(request, form, run, "已生成评审链接（只显示这一次，请复制发送给专家）。", _back(pk))


@login_required
@require_POST
def reviewer_remove(request, pk: int, sheet_id: int):
    app = selectors.access_application(request.user, pk)
    sheet = selectors.sheets_by_application([app.pk]).get(app.pk, [])
    sheet = next((s for s in sheet if s.pk == sheet_id), None)
    if sheet is None:
        raise NotFoundError()
    return _act(
        request, lambda: services.remove_reviewer(by=request.user, sheet=sheet), "已撤销该评审人。", _back(pk)
    )


def _blind_context(sheet, application, *, blind: bool) -> dict:
    return {
        "sheet": sheet,
        "app": application,
        "blind": blind,
        "lines": list(application.budget_lines.all()),
        "team": [] if blind else list(application.team.select_related("teacher__owner_school")),
        "form": ScoreSheetForm(indicators=sheet.rubric.indicators.order_by("position", "id")),
    }


def _submit_scores(request, sheet, context, submit):
    """The score sheet POSTed (account reviewer or invited expert): when valid,
    ``submit(scores=…, comments=…, comment=…)``; the submitted sheet, or ``None`` (the form, with
    its errors, is in ``context``)."""
    form = ScoreSheetForm(request.POST, indicators=sheet.rubric.indicators.order_by("position", "id"))
    context["form"] = form
    return submit_form(
        request,
        form,
        lambda: submit(scores=form.scores(), comments=form.comments(), comment=form.cleaned_data["comment"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_sheet(request, sheet_id: int):
    """An account reviewer's page: the application (blind by default) and the score sheet."""
    sheet = selectors.access_sheet_of_reviewer(request.user, sheet_id)
    application = Application.objects.select_related("call", "guide_topic").get(pk=sheet.subject_id)
    context = _blind_context(sheet, application, blind=application.call.blind_review)
    if request.method == "POST":
        done = _submit_scores(
            request,
            sheet,
            context,
            lambda **marks: services.submit_review(by=request.user, sheet=sheet, **marks),
        )
        if done is not None:
            messages.success(request, f"评审表已提交，加权得分 {done.total}。")
            return redirect("calls:index")
        return render(request, "calls/review_sheet.html", context, status=400)
    return render(request, "calls/review_sheet.html", context)


@require_http_methods(["GET", "POST"])
def expert_review(request, token: str):
    """An invited expert's page, without an account: the signed link is the only key (used once)."""
    try:
        link = services.link_for_token(token)
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFoundError) else 410
        return render(request, "calls/expert_refused.html", {"message": exc.message}, status=status)
    sheet, application = link.sheet, link.application
    context = _blind_context(sheet, application, blind=True)
    context["expert"] = True
    if request.method == "POST":
        done = _submit_scores(
            request, sheet, context, lambda **marks: services.submit_expert_review(signed=token, **marks)
        )
        if done is not None:
            return render(
                request,
                "calls/expert_refused.html",
                {"message": f"评审表已提交，加权得分 {done.total}。感谢您的评审！", "done": True},
            )
        return render(request, "calls/review_sheet.html", context, status=400)
    return render(request, "calls/review_sheet.html", context)


# -- execution --------------------------------------------------------------------------------


def _found(item):
    """``item``, or not found when it is ``None`` (a row outside the access-checked parent)."""
    if item is None:
        raise NotFoundError()
    return item


def _milestone(request, pk, milestone_id) -> Milestone:
    app = selectors.access_application(request.user, pk)
    return _found(
        Milestone.objects.filter(application=app, pk=milestone_id)
        .select_related("application__call__owner_school", "application__principal")
        .first()
    )


@login_required
@require_POST
def milestone_submit(request, pk: int, milestone_id: int):
    m = _milestone(request, pk, milestone_id)
    form = MilestoneForm(request.POST, request.FILES, prefix=f"m{milestone_id}")
    return _form_act(
        request,
        form,
        lambda: services.submit_milestone(
            by=request.user,
            milestone=m,
            report=form.cleaned_data["report"],
            files=[form.cleaned_data["file"]],
        ),
        f"已提交{m.get_kind_display()}。",
        _back(pk),
    )


@login_required
@require_POST
def milestone_review(request, pk: int, milestone_id: int):
    m = _milestone(request, pk, milestone_id)
    passed = request.POST.get("passed") == "1"
    return _act(
        request,
        lambda: services.review_milestone(
            by=request.user, milestone=m, passed=passed, note=request.POST.get("note", "")
        ),
        "已审核。",
        _back(pk),
    )


@login_required
def milestone_file(request, pk: int, milestone_id: int, file_id: int):
    return _download(_milestone(request, pk, milestone_id).files, file_id)


@login_required
@require_POST
def extension_request(request, pk: int, milestone_id: int):
    m = _milestone(request, pk, milestone_id)
    form = ExtensionForm(request.POST, prefix=f"x{milestone_id}")
    return _form_act(
        request,
        form,
        lambda: services.request_extension(by=request.user, milestone=m, **form.cleaned_data),
        "已提交延期申请。",
        _back(pk),
    )


extension_decide = _decision_post(
    selectors.extension_of,
    lambda by, item, approve: services.decide_extension(by=by, extension=item, approve=approve),
    "已处理延期申请。",
)


expense_add = _application_post(
    lambda r, app: ExpenseForm(r.POST, application=app, prefix="expense"),
    lambda by, app, data: services.record_expense(by=by, application=app, **data),
    "已登记支出。",
)


adjustment_request = _application_post(
    lambda r, app: AdjustmentForm(r.POST, application=app, prefix="adj"),
    lambda by, app, data: services.request_adjustment(by=by, **data),
    "已提交预算调整申请。",
)


adjustment_decide = _decision_post(
    selectors.adjustment_of,
    lambda by, item, approve: services.decide_adjustment(by=by, adjustment=item, approve=approve),
    "已处理预算调整。",
)


report_add = _application_post(
    lambda r, app: ReportForm(r.POST, r.FILES, prefix="report"),
    lambda by, app, data: services.record_report(by=by, application=app, **data),
    "已登记成果，已进入科研信息库。",
)


def _report_output(request, app, output_id):
    return _found(
        next((o for o in selectors.application_reports(request.user, app) if o.pk == output_id), None)
    )


@login_required
@require_POST
def endorsement_add(request, pk: int, output_id: int):
    app = selectors.access_application(request.user, pk)
    output = _report_output(request, app, output_id)
    form = EndorsementForm(request.POST, request.FILES, prefix=f"e{output_id}")
    return _form_act(
        request,
        form,
        lambda: services.record_endorsement(by=request.user, output=output, **form.cleaned_data),
        "已登记批示，等待发布单位核实。",
        _back(pk),
    )


@login_required
@require_POST
def endorsement_verify(request, pk: int, endorsement_id: int):
    app = selectors.access_application(request.user, pk)
    endorsement = access_endorsement(request.user, endorsement_id)
    if endorsement.output.project_id != app.project_id:
        raise NotFoundError()
    return _act(
        request,
        lambda: services.verify_endorsement(by=request.user, endorsement=endorsement),
        "已核实批示，计入排行。",
        request.POST.get("next") == "index" and reverse("calls:index") or _back(pk),
    )


@login_required
@require_POST
def adoption_set(request, pk: int, report_id: int):
    app = selectors.access_application(request.user, pk)
    report = selectors.report_of(app, report_id)
    form = AdoptionForm(request.POST, prefix=f"a{report_id}")
    return _form_act(
        request,
        form,
        lambda: services.set_adoption(
            by=request.user,
            report=report,
            adoption=form.cleaned_data["adoption"],
            note=form.cleaned_data["adoption_note"],
        ),
        "已登记采纳转化情况。",
        _back(pk),
    )


@login_required
def overdue(request):
    page, due_soon = selectors.overdue_and_due_soon(request.user, request.GET.get("page"))
    return render(
        request,
        "calls/overdue.html",
        {
            "page": page,
            "milestones": page.items,
            "querystring_without_page": querystring_without_page(request),
            "due": due_soon,
        },
    )


# -- discussion and events --------------------------------------------------------------------


def _call_or_application(request, pk: int):
    """The call of a discussion/event POST, the project it is about (``application``, optional,
    access-checked) and the page to go back to."""
    call = selectors.access_call(request.user, pk)
    app = None
    if request.POST.get("application"):
        app = selectors.access_application(request.user, request.POST["application"])
    back = _back(app.pk) if app else reverse("calls:call_detail", args=[pk])
    return call, app, back


def _call_form_post(make_form, service, success: str):
    """A form POSTed on a call page or, with ``application``, on one of its projects:
    ``make_form(request)``, then, when valid, ``service(by, call, application, cleaned_data)``."""

    @login_required
    @require_POST
    def view(request, pk: int):
        call, app, back = _call_or_application(request, pk)
        form = make_form(request)
        return _form_act(
            request, form, lambda: service(request.user, call, app, form.cleaned_data), success, back
        )

    return view


comment_add = _call_form_post(
    lambda r: CommentForm(r.POST, prefix="comment"),
    lambda by, call, app, data: services.post_comment(by=by, call=call, application=app, body=data["body"]),
    "已发表。",
)


event_add = _call_form_post(
    lambda r: EventForm(r.POST, prefix="event"),
    lambda by, call, app, data: services.add_event(by=by, call=call, application=app, **data),
    "已添加研究活动。",
)


@login_required
@require_POST
def event_schedule(request, pk: int, event_id: int):
    call = selectors.access_call(request.user, pk)
    event = ResearchEvent.objects.filter(pk=event_id, call=call).select_related("call__owner_school").first()
    if event is None or (
        event.application_id
        and not selectors.applications_visible_to(request.user).filter(pk=event.application_id).exists()
    ):
        raise NotFoundError()
    classes = TrainingClass.objects.filter(owner_school_id__in=class_runner_school_ids(request.user))
    form = ScheduleForm(request.POST, classes=classes, prefix=f"s{event_id}")
    back = _back(event.application_id) if event.application_id else reverse("calls:call_detail", args=[pk])
    return _form_act(
        request,
        form,
        lambda: services.schedule_event_session(by=request.user, event=event, **form.cleaned_data),
        "已排入课表，其他学校教师可通过旁听报名参加。",
        back,
    )


# -- ranking ----------------------------------------------------------------------------------


RANKING_HEADER = [
    "名次",
    "名称",
    "报告数",
    "获批示报告数",
    "批示数",
    "获批率（%）",
    *[lv.label for lv in LeaderLevel],
]


def _ranking(request):
    form = RankingForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    by = filters.get("by") or "school"
    rows = selectors.report_ranking(request.user, by=by, year=filters.get("year"))
    return form, by, filters.get("year"), rows


@login_required
def ranking(request):
    form, by, year, rows = _ranking(request)
    return render(
        request,
        "calls/ranking.html",
        {
            "form": form,
            "by": by,
            "by_label": selectors.RANK_LABELS[by],
            "year": year,
            "rows": rows,
            "levels": LeaderLevel,
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def ranking_export(request):
    _, by, year, rows = _ranking(request)
    data = write_rows(
        "咨政报告排行",
        [*RANKING_HEADER[:1], selectors.RANK_LABELS[by], *RANKING_HEADER[2:]],
        [
            [
                i,
                r["name"],
                r["reports"],
                r["endorsed"],
                r["total"],
                r["rate"],
                *[r[f"n_{lv}"] for lv in LeaderLevel.values],
            ]
            for i, r in enumerate(rows, start=1)
        ],
    )
    record_export(
        actor=request.user,
        list_name="咨政报告批示排行.xlsx",
        filters={"by": by, "year": year},
        rows=len(rows),
    )
    return xlsx_response(data, f"咨政报告批示排行{year or ''}.xlsx")

"""Pages of 交流协作: inbox, outbox, one request with its thread, dispatches and hosted classes.
Thin: parse input, call a selector or a service, render."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.activity.services import record_export
from yiwang.banks.listing import pick_school
from yiwang.classes import tokens
from yiwang.classes.models import TrainingClass
from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.excel import xlsx_response
from yiwang.core.excel.writing import write_rows
from yiwang.core.files import download_response
from yiwang.core.pagination import paginate_capped
from yiwang.core.views_support import form_error, querystring_without_page, submit_form
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import access_teacher
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids

from . import rules, selectors, services
from .enums import PENDING_STATUSES, RequestKind, RequestStatus
from .excel import hosting_summary_workbook, read_roster, roster_template
from .forms import (
    AttachmentForm,
    CommentForm,
    DecisionForm,
    DispatchForm,
    HostingForm,
    RequestFilterForm,
    RequestForm,
    RosterForm,
    TraineeCheckInForm,
)
from .services import dispatches as dispatch_services
from .services import hosting as hosting_services

EXPORT_LIMIT = 50_000


def _local(day, at):
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


# ---- inbox and outbox -----------------------------------------------------------------------------


def _box(request, which: str):
    form = RequestFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    if which == "inbox":
        qs = selectors.inbox_of(request.user, kind=filters.get("kind"))
    else:
        qs = selectors.outbox_of(request.user, kind=filters.get("kind"))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return form, filters, qs


def _box_page(request, which: str):
    form, _, qs = _box(request, which)
    page = paginate_capped(qs, request.GET.get("page"), per_page=30)
    now = timezone.now()
    for item in page.items:
        item.waiting = selectors.waiting_days(item, now)
    pending = selectors.inbox_of(request.user, pending_only=True).count() if which == "inbox" else None
    return render(
        request,
        "exchanges/box.html",
        {
            "which": which,
            "title": "收到的协作请求" if which == "inbox" else "发出的协作请求",
            "form": form,
            "page": page,
            "pending_count": pending,
            "is_staff": bool(staff_school_ids(request.user)),
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
def inbox(request):
    return _box_page(request, "inbox")


@login_required
def outbox(request):
    return _box_page(request, "outbox")


def _box_export(request, which: str):
    form, filters, qs = _box(request, which)
    now = timezone.now()
    rows = (
        [
            r.get_kind_display(),
            r.title,
            r.from_school.name,
            (r.to_school or r.to_alliance).name,
            r.get_status_display(),
            timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
            selectors.waiting_days(r, now) if r.status in PENDING_STATUSES else "",
            timezone.localtime(r.decided_at).strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
        ]
        for r in qs[:EXPORT_LIMIT]
    )
    rows = list(rows)
    name = "收到的协作请求.xlsx" if which == "inbox" else "发出的协作请求.xlsx"
    data = write_rows(
        name.removesuffix(".xlsx"),
        ["类型", "事项", "发起学校", "接收方", "状态", "提交时间", "已等待（天）", "答复时间"],
        rows,
        widths=[12, 40, 20, 20, 10, 18, 12, 18],
    )
    record_export(actor=request.user, list_name=name, filters=filters, rows=len(rows))
    return xlsx_response(data, name)


@login_required
def inbox_export(request):
    return _box_export(request, "inbox")


@login_required
def outbox_export(request):
    return _box_export(request, "outbox")


# ---- one request ----------------------------------------------------------------------------------


def _actions(user, req) -> list[dict]:
    """The buttons the viewer may press on this request (only for who may)."""
    sender, receiver = rules.can_act_as_sender(user, req), rules.can_answer(user, req)
    if req.to_school_id is not None and sender and receiver:
        receiver = False  # a school never answers its own request
    offered = []
    for step in services.REQUEST_STEPS.allowed_from(req.status):
        allowed = (
            (step.who == "sender" and sender)
            or (step.who == "receiver" and receiver and req.status != RequestStatus.DRAFT)
            or (step.who == "either" and (sender or receiver))
        )
        if allowed:
            offered.append({"to": step.target, "label": step.label})
    return offered


ACTION_SERVICES = {
    RequestStatus.SUBMITTED: lambda by, req, note: services.submit_request(by=by, request=req),
    RequestStatus.ACCEPTED: lambda by, req, note: services.accept_request(by=by, request=req, note=note),
    RequestStatus.DECLINED: lambda by, req, note: services.decline_request(by=by, request=req, note=note),
    RequestStatus.WITHDRAWN: lambda by, req, note: services.withdraw_request(by=by, request=req, note=note),
    RequestStatus.COMPLETED: lambda by, req, note: services.complete_request(by=by, request=req, note=note),
}


def thread_context(user, req, **extra) -> dict:
    return {
        "req": req,
        "actions": _actions(user, req),
        "waiting": selectors.waiting_days(req),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "decision_form": extra.pop("decision_form", None) or DecisionForm(),
        "can_write": rules.can_act_as_sender(user, req)
        or (rules.can_answer(user, req) and req.status != RequestStatus.DRAFT),
        "my_school_ids": set(staff_school_ids(user)),
        **selectors.request_thread(req),
        **extra,
    }


@login_required
def request_detail(request, pk):
    req = selectors.access_request(request.user, pk)
    if rules.is_bystander(request.user, req):
        # Another member school took this alliance request: the others see that it is closed, no more.
        return render(request, "exchanges/request_detail.html", {"req": req, "bystander": True})
    if req.kind == RequestKind.DISPATCH and hasattr(req, "dispatch"):
        return redirect("exchanges:dispatch_detail", req.dispatch.pk)
    if req.kind in hosting_services.HOSTING_KINDS and hasattr(req, "hosting"):
        return redirect("exchanges:hosting_detail", req.hosting.pk)
    return render(request, "exchanges/request_detail.html", thread_context(request.user, req))


def _back(req) -> str:
    return services.request_url(req)


@login_required
@require_POST
def request_action(request, pk, to):
    req = selectors.access_request(request.user, pk)
    action = ACTION_SERVICES.get(to)
    if action is None:
        raise NotFoundError()
    note = (request.POST.get("note") or "").strip()
    try:
        if to == RequestStatus.ACCEPTED and req.kind == RequestKind.DISPATCH:
            teacher = None
            if request.POST.get("teacher"):
                teacher = access_teacher(request.user, request.POST["teacher"])
            dispatch_services.accept_dispatch(
                by=request.user, dispatch=req.dispatch, teacher=teacher, note=note
            )
        else:
            action(request.user, req, note)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已{RequestStatus(to).label.removeprefix('已')}。" if to != "submitted" else "已提交。"
        )
    return redirect(_back(req))


@login_required
@require_POST
def request_comment(request, pk):
    req = selectors.access_request(request.user, pk)
    form = CommentForm(request.POST)
    if submit_form(
        request, form, lambda: services.comment_on_request(by=request.user, request=req, **form.cleaned_data)
    ):
        messages.success(request, "留言已发送。")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs) or "留言未发送。")
    return redirect(_back(req))


@login_required
@require_POST
def attachment_upload(request, pk):
    req = selectors.access_request(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if submit_form(
        request,
        form,
        lambda: services.attach_file(by=request.user, request=req, upload=form.cleaned_data["file"]),
    ):
        messages.success(request, "附件已上传。")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs) or "附件未上传。")
    return redirect(_back(req))


@login_required
def attachment_download(request, pk, attachment_id):
    attachment = selectors.access_attachment(request.user, pk, attachment_id)
    return download_response(attachment.file, attachment.filename)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_id):
    attachment = selectors.access_attachment(request.user, pk, attachment_id)
    try:
        services.remove_attachment(by=request.user, attachment=attachment)
    except PermissionDeniedError as exc:
        messages.error(request, exc.message)
    return redirect(_back(attachment.request))


def _sender_school(request):
    school, schools = pick_school(request, staff_school_ids(request.user))
    if school is None:
        raise PermissionDeniedError("只有学校管理员或教务、培训、科研部门人员可以发起协作请求。")
    return school, schools


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    school, schools = _sender_school(request)
    form = RequestForm(request.POST or None, school=school)

    def create():
        data = form.cleaned_data
        return services.open_request(
            by=request.user,
            kind=RequestKind.GENERAL,
            from_school=school,
            to_school=data["to_school"],
            to_alliance=data["to_alliance"],
            subject_key="",
            title=data["title"],
            body=data["body"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )

    created = submit_form(request, form, create)
    if created:
        messages.success(request, "请求已发送。")
        return redirect("exchanges:request_detail", created.pk)
    return render(
        request, "exchanges/request_form.html", {"form": form, "school": school, "schools": schools}
    )


# ---- 师资互派 -------------------------------------------------------------------------------------


@login_required
def dispatch_list(request):
    form = RequestFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs = selectors.dispatches_visible_to(request.user, status=filters.get("status", ""))
    page = paginate_capped(qs, request.GET.get("page"), per_page=30)
    return render(
        request,
        "exchanges/dispatch_list.html",
        {"form": form, "page": page, "querystring_without_page": querystring_without_page(request)},
    )


@login_required
def dispatch_export(request):
    form = RequestFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs = selectors.dispatches_visible_to(request.user, status=filters.get("status", ""))
    rows = [
        [
            d.request.from_school.name,
            d.request.to_school.name if d.request.to_school_id else "",
            d.teacher.name if d.teacher_id else f"（需求）{d.need}",
            d.topic_title,
            f"{timezone.localtime(d.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(d.ends_at):%H:%M}",
            d.place,
            d.request.get_status_display(),
            "是" if d.teacher_confirmed_at else "否",
        ]
        for d in qs[:EXPORT_LIMIT]
    ]
    name = "师资互派.xlsx"
    data = write_rows(
        "师资互派",
        ["请求学校", "派出学校", "教师", "讲授题目", "时间", "地点", "状态", "教师已确认"],
        rows,
        widths=[20, 20, 16, 36, 24, 20, 10, 10],
    )
    record_export(actor=request.user, list_name=name, filters=filters, rows=len(rows))
    return xlsx_response(data, name)


@login_required
@require_http_methods(["GET", "POST"])
def dispatch_new(request):
    school, schools = _sender_school(request)
    to_school = None
    preset_teacher = None
    if request.GET.get("teacher"):
        preset_teacher = access_teacher(request.user, request.GET["teacher"])
        to_school = preset_teacher.owner_school
    elif request.GET.get("to"):
        to_school = School.objects.filter(code=request.GET["to"]).first()
    # From the matching page (search): the need the teacher was matched for becomes the topic.
    initial = {
        "to_school": to_school,
        "teacher": preset_teacher,
        "topic_title": request.GET.get("topic", "").strip()[:200],
    }
    form = DispatchForm(
        request.POST or None, school=school, viewer=request.user, to_school=to_school, initial=initial
    )
    conflicts = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = _local(data["date"], data["start_time"]), _local(data["date"], data["end_time"])
        teacher = data["teacher"]
        conflicts = (
            selectors.teacher_conflicts(
                teacher, starts_at, ends_at, city=school.city, province=school.province
            )
            if teacher is not None and ends_at > starts_at
            else []
        )
        wants_send = request.POST.get("action") == "send"
        if wants_send and (not conflicts or data["send_anyway"]):
            try:
                dispatch = dispatch_services.open_dispatch(
                    by=request.user,
                    from_school=school,
                    to_school=data["to_school"],
                    to_alliance=data["to_alliance"],
                    teacher=teacher,
                    need=data["need"],
                    topic_title=data["topic_title"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    place=data["place"],
                    training_class=data["training_class"],
                    body=data["body"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFoundError):
                    form.add_error("teacher", exc.message)
                else:
                    form_error(form, exc)
            else:
                messages.success(request, "师资派出请求已发送。")
                return redirect("exchanges:dispatch_detail", dispatch.pk)
        elif wants_send:
            form.add_error("send_anyway", "该教师在此时段有冲突：请更换时间，或勾选“仍然发送”。")
    return render(
        request,
        "exchanges/dispatch_form.html",
        {"form": form, "school": school, "schools": schools, "conflicts": conflicts},
    )


@login_required
def dispatch_detail(request, pk):
    dispatch = selectors.access_dispatch(request.user, pk)
    req = dispatch.request
    readable = rules.can_act_as_sender(request.user, req) or rules.can_answer(request.user, req)
    receiver = rules.can_answer(request.user, req) and not rules.can_act_as_sender(request.user, req)
    conflicts = selectors.dispatch_conflicts(dispatch) if req.status in PENDING_STATUSES else None
    suggestions = []
    teachers = None
    if receiver and req.status in PENDING_STATUSES:
        # Open to an alliance: the teachers of the viewer's member schools (one of them will go).
        schools = (
            [req.to_school_id] if req.to_school_id else rules.answering_member_school_ids(request.user, req)
        )
        teachers = Teacher.objects.filter(owner_school_id__in=schools, is_active=True).order_by("name_pinyin")
        if dispatch.teacher_id is None:
            for school in School.objects.filter(pk__in=schools).order_by("code")[:3]:
                suggestions += selectors.suggest_teachers(request.user, school, dispatch.need)
    context = {
        "dispatch": dispatch,
        "conflicts": conflicts,
        "suggestions": suggestions,
        "is_receiver": receiver,
        "can_confirm": rules.can_confirm_dispatch(request.user, dispatch)
        and req.status == RequestStatus.ACCEPTED
        and dispatch.teacher_confirmed_at is None,
        "readable": readable,
    }
    if readable:
        context.update(thread_context(request.user, req, decision_form=DecisionForm(teachers=teachers)))
    else:
        context["req"] = req
    return render(request, "exchanges/dispatch_detail.html", context)


@login_required
@require_POST
def dispatch_confirm(request, pk):
    dispatch = selectors.access_dispatch(request.user, pk)
    try:
        dispatch_services.confirm_dispatch(by=request.user, dispatch=dispatch)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认派出授课安排。")
    return redirect("exchanges:dispatch_detail", dispatch.pk)


# ---- 培训互接 / 班次互派 ----------------------------------------------------------------------------


@login_required
def hosting_list(request):
    role = request.GET.get("role", "")
    qs = selectors.hostings_visible_to(request.user, role=role if role in ("host", "guest") else "")
    page = paginate_capped(qs, request.GET.get("page"), per_page=30)
    return render(
        request,
        "exchanges/hosting_list.html",
        {"page": page, "role": role, "querystring_without_page": querystring_without_page(request)},
    )


@login_required
def hosting_export(request):
    qs = selectors.hostings_visible_to(request.user)
    rows = [
        [
            h.request.title,
            h.guest_school.name,
            h.host_school.name if h.host_school_id else f"{h.request.to_alliance.name}（待成员学校接受）",
            f"{h.start_date:%Y-%m-%d} 至 {h.end_date:%Y-%m-%d}",
            h.planned_trainees,
            h.request.get_status_display(),
            h.training_class.get_status_display() if h.training_class_id else "未建立",
        ]
        for h in qs[:EXPORT_LIMIT]
    ]
    name = "培训互接.xlsx"
    data = write_rows(
        "培训互接",
        ["班次", "委托学校", "承办学校", "日期", "计划人数", "请求状态", "班次状态"],
        rows,
        widths=[36, 20, 20, 26, 10, 10, 10],
    )
    record_export(actor=request.user, list_name=name, rows=len(rows))
    return xlsx_response(data, name)


@login_required
@require_http_methods(["GET", "POST"])
def hosting_new(request):
    school, schools = _sender_school(request)
    form = HostingForm(request.POST or None, school=school)
    created = submit_form(
        request,
        form,
        lambda: hosting_services.open_hosting(by=request.user, from_school=school, **form.cleaned_data),
    )
    if created:
        messages.success(request, "承办请求已发送。")
        return redirect("exchanges:hosting_detail", created.pk)
    return render(
        request, "exchanges/hosting_form.html", {"form": form, "school": school, "schools": schools}
    )


def _hosting_context(user, hosting) -> dict:
    plan = selectors.hosted_plan(hosting)
    return {
        "hosting": hosting,
        "plan": plan,
        "plan_days": _by_day(plan),
        "changed_at": selectors.plan_changed_at(hosting),
        "is_host": rules.can_build_hosted_class(user, hosting),
        "is_guest": rules.can_manage_roster(user, hosting),
        "published": bool(hosting.training_class_id and hosting.training_class.is_published),
        "poll_seconds": int(getattr(settings, "EXCHANGES_PLAN_POLL_SECONDS", 30)),
    }


def _by_day(sessions) -> list[tuple]:
    days: dict = {}
    for s in sessions:
        days.setdefault(s.date, []).append(s)
    return list(days.items())


@login_required
def hosting_detail(request, pk):
    hosting = selectors.access_hosting(request.user, pk)
    context = _hosting_context(request.user, hosting)
    context.update(thread_context(request.user, hosting.request))
    context["roster_form"] = RosterForm()
    # The roster and the summaries: the guest and the host only (not the other members of an
    # alliance the request is open to).
    context["show_roster"] = rules.can_read_hosting_reports(request.user, hosting)
    context["trainees"] = list(hosting.trainees.all()[:500]) if context["show_roster"] else []
    context["roster_problems"] = request.session.pop(f"roster_problems_{hosting.pk}", None)
    return render(request, "exchanges/hosting_detail.html", context)


@login_required
def hosting_plan(request, pk):
    """The plan alone (the hosting page refreshes it every half minute: the guest follows it live)."""
    hosting = selectors.access_hosting(request.user, pk)
    return render(request, "exchanges/includes/plan.html", _hosting_context(request.user, hosting))


@login_required
@require_POST
def hosting_build_class(request, pk):
    hosting = selectors.access_hosting(request.user, pk)
    try:
        hosting = hosting_services.build_hosted_class(by=request.user, hosting=hosting)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exchanges:hosting_detail", pk)
    messages.success(request, "承办班次已建立，请在班次页面安排课程。")
    return redirect("classes:class_detail", hosting.training_class_id)


@login_required
def roster_template_download(request, pk):
    selectors.access_hosting(request.user, pk)
    return xlsx_response(roster_template(), "学员名册模板.xlsx")


@login_required
@require_POST
def roster_upload(request, pk):
    hosting = selectors.access_hosting(request.user, pk)
    form = RosterForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择名册文件。")
        return redirect("exchanges:hosting_detail", pk)
    try:
        if not rules.can_manage_roster(request.user, hosting):
            raise PermissionDeniedError("只有委托学校的人员可以上传学员名册。")
        rows, problems = read_roster(form.cleaned_data["file"])
        if problems:
            request.session[f"roster_problems_{hosting.pk}"] = [str(p) for p in problems[:200]]
            messages.error(request, f"名册有 {len(problems)} 处问题，未导入任何学员。")
            return redirect("exchanges:hosting_detail", pk)
        count = hosting_services.import_trainees(by=request.user, hosting=hosting, rows=rows)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入 {count} 名学员。")
    return redirect("exchanges:hosting_detail", pk)


@login_required
def hosting_report(request, pk):
    """Attendance (学时) and the evaluation summary, for both schools."""
    hosting = selectors.access_hosting(request.user, pk)
    if not rules.can_read_hosting_reports(request.user, hosting):
        raise PermissionDeniedError("只有承办和委托学校的人员可以下载汇总。")
    attendance = selectors.trainee_attendance(hosting)
    ratings = selectors.session_ratings(hosting)
    data = hosting_summary_workbook(hosting, attendance, ratings)
    record_export(
        actor=request.user, list_name=f"承办班次汇总 {hosting.pk}", rows=len(attendance) + len(ratings)
    )
    return xlsx_response(data, f"{hosting.request.title}-学时与评课汇总.xlsx")


@login_required
def trainee_qr(request, session_pk):
    """The trainees' check-in QR code of one session of a hosted class (shown by the host)."""
    hosting = TrainingClass.objects.filter(sessions__pk=session_pk).values_list("hosting", flat=True).first()
    if not hosting:
        raise NotFoundError()
    hosting = selectors.access_hosting(request.user, hosting)
    if not rules.can_build_hosted_class(request.user, hosting):
        raise NotFoundError()
    session = hosting.training_class.sessions.get(pk=session_pk)
    token = tokens.qr_token(session)
    url = request.build_absolute_uri(reverse("exchanges:trainee_check_in", args=[token]))
    return render(
        request,
        "exchanges/trainee_qr.html",
        {"session": session, "url": url, "url_token": token, "hosting": hosting},
    )


def trainee_qr_image(request, token):
    tokens.session_id_from_qr(token)
    url = request.build_absolute_uri(reverse("exchanges:trainee_check_in", args=[token]))
    return HttpResponse(tokens.qr_svg(url), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
def trainee_check_in(request, token):
    """What a trainee's phone opens from the QR code: type the phone number on the roster (no account)."""
    try:
        session_id = tokens.session_id_from_qr(token)
    except DomainError as exc:
        return render(request, "classes/qr_invalid.html", {"message": exc.message}, status=400)
    form = TraineeCheckInForm(request.POST or None)
    record = submit_form(
        request, form, lambda: hosting_services.check_in_trainee(qr=token, phone=form.cleaned_data["phone"])
    )
    return render(
        request,
        "exchanges/trainee_check_in.html",
        {"form": form, "record": record, "token": token, "session_id": session_id},
        status=400 if request.method == "POST" and not record else 200,
    )

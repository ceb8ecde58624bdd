"""Pages of the open classroom (thin: parse, call a selector or service, render)."""

from datetime import date, timedelta
from functools import wraps
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.pagination import paginate
from yiwang.core.request_context import client_ip
from yiwang.courses.models import TeachingModule
from yiwang.network import rules
from yiwang.network.models import School
from yiwang.topics.enums import TeachingForm

from . import ical, selectors, services, tokens
from .enums import INDICATORS, SignUpStatus
from .forms import (
    AttendanceFilterForm,
    CancelSessionForm,
    ClassForm,
    CopyDayForm,
    EvaluationForm,
    FeedForm,
    MoveSessionForm,
    SessionForm,
)
from .models import Session

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
PER_DAY = {"week": 12, "month": 4}


def not_found_as_404(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404("未找到该记录，或您无权查看。") from None

    return wrapper


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# ---- calendar -------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _filters(request) -> selectors.CalendarFilters:
    module = request.GET.get("module", "")
    form = request.GET.get("form", "")
    return selectors.CalendarFilters(
        school_code=request.GET.get("school", "").strip(),
        module_id=int(module) if module.isdigit() else None,
        form=form if form in TeachingForm.values else "",
        open_only=request.GET.get("open") == "1",
    )


def _querystring(request, **overrides) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in overrides.items():
        params[key] = value
    return params.urlencode()


@login_required
def calendar(request):
    """The network calendar: week, month and list views of every session the viewer may see."""
    view = request.GET.get("view", "week")
    view = view if view in ("week", "month", "list") else "week"
    day, filters = _parse_day(request.GET.get("date")), _filters(request)
    context = {
        "view": view,
        "day": day,
        "filters": filters,
        "today": timezone.localdate(),
        "schools": School.objects.filter(is_active=True).order_by("code").only("code", "short_name"),
        "modules": TeachingModule.objects.order_by("owner_school_id", "position", "id").only("id", "name"),
        "forms": TeachingForm.choices,
    }
    if view == "list":
        start, end = day, day + timedelta(days=30)
        qs = (
            selectors.calendar_sessions(request.user, start, end, filters)
            .select_related("training_class__owner_school", "teacher", "module")
            .order_by("date", "start_time", "id")
        )
        context.update(
            page=paginate(qs, request.GET.get("page"), 50),
            querystring_without_page=_querystring(request) + "&",
        )
        previous_day, next_day = day - timedelta(days=30), end + timedelta(days=1)
    else:
        if view == "week":
            start = selectors.week_start(day)
            end = start + timedelta(days=6)
            previous_day, next_day = start - timedelta(days=7), start + timedelta(days=7)
        else:
            start, end = selectors.month_grid(day)
            first = day.replace(day=1)
            previous_day, next_day = (
                (first - timedelta(days=1)).replace(day=1),
                (first + timedelta(days=32)).replace(day=1),
            )
        by_day = selectors.sessions_by_day(
            selectors.calendar_sessions(request.user, start, end, filters), PER_DAY[view]
        )
        days = []
        for offset in range((end - start).days + 1):
            current = start + timedelta(days=offset)
            items, total = by_day.get(current, ([], 0))
            days.append(
                {
                    "date": current,
                    "weekday": WEEKDAYS[current.weekday()],
                    "items": items,
                    "total": total,
                    "more": total - len(items),
                    "in_month": current.month == day.month,
                    "list_qs": _querystring(request, view="list", date=current.isoformat()),
                }
            )
        context["days"] = days
        context["weeks"] = [days[i : i + 7] for i in range(0, len(days), 7)]
    context.update(
        start=start,
        end=end,
        qs_prev=_querystring(request, date=previous_day.isoformat()),
        qs_next=_querystring(request, date=next_day.isoformat()),
        qs_today=_querystring(request, date=timezone.localdate().isoformat()),
        view_links=[
            (v, label, _querystring(request, view=v))
            for v, label in (("week", "周视图"), ("month", "月视图"), ("list", "列表"))
        ],
    )
    return render(request, "classes/calendar.html", context)


# ---- classes and the schedule builder -------------------------------------------------------


def _runner_schools(user):
    return School.objects.filter(pk__in=selectors.runner_school_ids(user)).order_by("code")


@login_required
def manage(request):
    schools = list(_runner_schools(request.user))
    if not schools:
        raise PermissionDenied
    classes = (
        selectors.classes_visible_to(request.user)
        .filter(owner_school__in=schools)
        .select_related("owner_school")
    )
    return render(
        request, "classes/manage.html", {"schools": schools, "classes": classes.order_by("-start_date", "id")}
    )


@login_required
def class_create(request):
    school_code = request.GET.get("school") or request.POST.get("school")
    schools = list(_runner_schools(request.user))
    school = next((s for s in schools if s.code == school_code), schools[0] if schools else None)
    if school is None:
        raise PermissionDenied
    form = ClassForm(request.POST or None, school=school, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            training_class = services.create_class(by=request.user, school=school, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, f"已创建班次“{training_class.name}”（草稿）。请添加课程安排，检查无冲突后发布。"
            )
            return redirect("classes:class_detail", pk=training_class.pk)
    return render(request, "classes/class_form.html", {"form": form, "school": school, "schools": schools})


@login_required
@not_found_as_404
def class_edit(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    if not rules.can_run_classes(request.user, training_class.owner_school):
        raise PermissionDenied
    initial = {f: getattr(training_class, f) for f in services.CLASS_FIELDS if f != "status"}
    initial.update(
        alliances=training_class.shared_alliances.all(), partnerships=training_class.shared_partnerships.all()
    )
    form = ClassForm(
        request.POST or None, initial=initial, school=training_class.owner_school, viewer=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_class(by=request.user, training_class=training_class, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "班次信息已保存。")
            return redirect("classes:class_detail", pk=pk)
    return render(
        request,
        "classes/class_form.html",
        {"form": form, "school": training_class.owner_school, "training_class": training_class},
    )


@login_required
@not_found_as_404
def class_detail(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    can_run = rules.can_run_classes(request.user, training_class.owner_school)
    sessions = list(
        training_class.sessions.select_related("teacher", "topic", "module").order_by(
            "date", "start_time", "id"
        )
    )
    days: dict[date, list[Session]] = {}
    for session in sessions:
        days.setdefault(session.date, []).append(session)
    context = {
        "training_class": training_class,
        "days": sorted(days.items()),
        "can_run": can_run,
        "session_count": len(sessions),
        "open_count": sum(1 for s in sessions if s.is_open),
    }
    if can_run:
        context.update(
            conflicts=selectors.schedule_conflicts(request.user, training_class),
            session_form=SessionForm(viewer=request.user, initial={"date": training_class.start_date}),
            copy_form=CopyDayForm(),
        )
    return render(request, "classes/class_detail.html", context)


def _runner_action(request, pk: int, action, success: str):
    training_class = selectors.access_class(request.user, pk)
    try:
        action(by=request.user, training_class=training_class)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("classes:class_detail", pk=pk)


@login_required
@require_POST
@not_found_as_404
def class_publish(request, pk: int):
    return _runner_action(request, pk, services.publish_class, "班次已发布，课程表已对共享范围内的学校可见。")


@login_required
@require_POST
@not_found_as_404
def class_finish(request, pk: int):
    return _runner_action(request, pk, services.finish_class, "班次已结束。")


@login_required
@not_found_as_404
def session_add(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    if not rules.can_run_classes(request.user, training_class.owner_school):
        raise PermissionDenied
    form = SessionForm(request.POST or None, viewer=request.user, initial={"date": training_class.start_date})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.add_session(
                by=request.user, training_class=training_class, **form.service_fields()
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已添加课程《{session.title}》。")
            return redirect("classes:class_detail", pk=pk)
    return render(request, "classes/session_form.html", {"form": form, "training_class": training_class})


@login_required
@require_POST
@not_found_as_404
def copy_day(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    form = CopyDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写要复制的日期和目标日期。")
    else:
        try:
            copies = services.copy_day(by=request.user, training_class=training_class, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"已复制 {len(copies)} 节课到 {form.cleaned_data['to_date']:%Y-%m-%d}。"
            )
    return redirect("classes:class_detail", pk=pk)


# ---- one session ----------------------------------------------------------------------------


def _session_initial(session: Session) -> dict:
    fields = [f for f in services.SESSION_FIELDS if f != "is_cancelled"]
    initial = {f: getattr(session, f) for f in fields}
    for key in ("signup_opens_at", "signup_closes_at"):
        if initial[key]:
            initial[key] = timezone.localtime(initial[key])
    return initial


@login_required
@not_found_as_404
def session_detail(request, pk: int):
    session = selectors.access_session(request.user, pk)
    can_run = rules.can_run_classes(request.user, session.training_class.owner_school)
    context = {
        "session": session,
        "can_run": can_run,
        "my_sign_up": selectors.active_sign_up_of(request.user, session),
        "summary": None,
    }
    if can_run:
        context.update(
            sign_ups=selectors.session_sign_ups(session),
            summary=selectors.session_rating_summary(session),
            move_form=MoveSessionForm(
                initial={"date": session.date, "start_time": session.start_time, "end_time": session.end_time}
            ),
            cancel_form=CancelSessionForm(),
        )
    return render(request, "classes/session_detail.html", context)


@login_required
@not_found_as_404
def session_edit(request, pk: int):
    session = selectors.access_session(request.user, pk)
    if not rules.can_run_classes(request.user, session.training_class.owner_school):
        raise PermissionDenied
    form = SessionForm(request.POST or None, viewer=request.user, initial=_session_initial(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(by=request.user, session=session, **form.service_fields())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "课程安排已保存；已报名的人员会收到变更通知。")
            return redirect("classes:session_detail", pk=pk)
    return render(
        request,
        "classes/session_form.html",
        {"form": form, "training_class": session.training_class, "session": session},
    )


@login_required
@require_POST
@not_found_as_404
def session_move(request, pk: int):
    session = selectors.access_session(request.user, pk)
    form = MoveSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新的日期、开始和结束时间。")
    else:
        try:
            services.update_session(by=request.user, session=session, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "课程已调整时间。")
    return redirect("classes:session_detail", pk=pk)


@login_required
@require_POST
@not_found_as_404
def session_cancel(request, pk: int):
    session = selectors.access_session(request.user, pk)
    form = CancelSessionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_session(by=request.user, session=session, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "课程已取消，已通知所有报名人员。")
    return redirect("classes:session_detail", pk=pk)


@login_required
@require_POST
@not_found_as_404
def session_delete(request, pk: int):
    session = selectors.access_session(request.user, pk)
    class_pk = session.training_class_id
    try:
        services.delete_session(by=request.user, session=session)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("classes:session_detail", pk=pk)
    messages.success(request, "课程已删除。")
    return redirect("classes:class_detail", pk=class_pk)


@login_required
@require_POST
@not_found_as_404
def sign_up(request, pk: int):
    try:
        entry = services.sign_up(by=request.user, session_id=pk)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        messages.error(request, exc.message)
    else:
        level = messages.SUCCESS if entry.status == SignUpStatus.CONFIRMED else messages.WARNING
        messages.add_message(request, level, services.sign_up_message(entry))
    return redirect("classes:session_detail", pk=pk)


@login_required
@require_POST
def sign_up_cancel(request, pk: int):
    try:
        entry = services.cancel_sign_up(by=request.user, sign_up_id=pk)
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "classes:mine")
    messages.success(request, f"已取消《{entry.session.title}》的报名。")
    return redirect(request.POST.get("next") or "classes:mine")


# ---- QR: check-in and 评课 -------------------------------------------------------------------


def _is_runner_of(request, session) -> bool:
    return rules.can_run_classes(request.user, session.training_class.owner_school)


def _qr_url(request, session) -> str:
    return request.build_absolute_uri(reverse("classes:qr_landing", args=[tokens.qr_token(session)]))


@login_required
@not_found_as_404
def session_qr(request, pk: int):
    session = selectors.access_session(request.user, pk)
    if not _is_runner_of(request, session):
        raise PermissionDenied
    return render(
        request,
        "classes/session_qr.html",
        {
            "session": session,
            "qr_url": _qr_url(request, session),
            "hours": services._setting("CLASSES_QR_MAX_AGE_HOURS", 24),
        },
    )


@login_required
@not_found_as_404
def session_qr_image(request, pk: int, fmt: str):
    session = selectors.access_session(request.user, pk)
    if not _is_runner_of(request, session):
        raise PermissionDenied
    url = _qr_url(request, session)
    if fmt == "png":
        response = HttpResponse(tokens.qr_png(url), content_type="image/png")
    else:
        response = HttpResponse(tokens.qr_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def _device_id(request) -> str:
    return request.get_signed_cookie(tokens.DEVICE_COOKIE, default="", salt=tokens.DEVICE_COOKIE_SALT) or ""


def _with_device_cookie(request, response, device_id: str):
    if request.COOKIES.get(tokens.DEVICE_COOKIE) is None or not _device_id(request):
        response.set_signed_cookie(
            tokens.DEVICE_COOKIE,
            device_id,
            salt=tokens.DEVICE_COOKIE_SALT,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _qr_session(token: str):
    session_id = tokens.session_id_from_qr(token)
    session = (
        Session.objects.select_related("training_class__owner_school", "teacher", "topic")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    return session


def qr_landing(request, token: str, form: EvaluationForm | None = None, status: int = 200):
    """What a phone opens from the room's QR code: check in (signed in) and rate (no sign-in needed)."""
    try:
        session = _qr_session(token)
    except DomainError as exc:
        return render(request, "classes/qr_invalid.html", {"message": exc.message}, status=400)
    device_id = _device_id(request) or tokens.new_device_id()
    user = request.user
    context = {
        "session": session,
        "token": token,
        "form": form or EvaluationForm(),
        "ticket": tokens.rating_ticket(session.pk, device_id),
        "rated": services.has_rated(session, user=user, device_id=device_id),
        "my_sign_up": selectors.active_sign_up_of(user, session),
        "started": timezone.now() >= session.starts_at,
    }
    return _with_device_cookie(
        request, render(request, "classes/qr_landing.html", context, status=status), device_id
    )


@require_POST
def qr_check_in(request, token: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('classes:qr_landing', args=[token])}")
    try:
        record = services.check_in(by=request.user, qr=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"签到成功（{timezone.localtime(record.checked_in_at):%H:%M}），计入学时 {record.hours} 小时。",
        )
    return redirect("classes:qr_landing", token=token)


@require_POST
def qr_rate(request, token: str):
    form = EvaluationForm(request.POST)
    device_id = _device_id(request)
    try:
        session = _qr_session(token)
        if not request.user.is_authenticated:
            tokens.check_rating_ticket(request.POST.get("ticket", ""), session.pk, device_id)
        scores = {name: request.POST.get(name) for name, _ in INDICATORS}
        services.submit_evaluation(
            qr=token,
            scores=scores,
            comment=request.POST.get("comment", ""),
            user=request.user,
            device_id=device_id,
            ip=client_ip(request),
        )
    except DomainError as exc:
        if exc.code == "bad_qr":
            return render(request, "classes/qr_invalid.html", {"message": exc.message}, status=400)
        form.is_valid()
        _form_error(form, exc)
        return qr_landing(request, token, form=form, status=exc.status)
    messages.success(request, "感谢评课！您的评价已提交。")
    return redirect("classes:qr_landing", token=token)


@login_required
@not_found_as_404
def session_evaluations(request, pk: int):
    session = selectors.access_session(request.user, pk)
    if not _is_runner_of(request, session):
        raise PermissionDenied
    return render(
        request,
        "classes/session_evaluations.html",
        {
            "session": session,
            "summary": selectors.session_rating_summary(session),
            "evaluations": selectors.session_evaluations(session)[:500],
            "indicators": INDICATORS,
        },
    )


# ---- my sign-ups, approvals, attendance, feeds ----------------------------------------------


@login_required
def mine(request):
    teacher = getattr(request.user, "teacher_profile", None)
    new_feed_url = request.session.pop("classes_new_feed_url", None)
    return render(
        request,
        "classes/mine.html",
        {
            "sign_ups": selectors.my_sign_ups(request.user)[:200],
            "teacher": teacher,
            "teacher_summary": selectors.teacher_rating_summary(teacher) if teacher else None,
            "feeds": selectors.calendar_tokens_of(request.user),
            "feed_form": FeedForm(viewer=request.user),
            "new_feed_url": new_feed_url,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def feed_create(request):
    form = FeedForm(request.POST, viewer=request.user)
    if not form.is_valid():
        messages.error(request, "请选择订阅内容。")
        return redirect("classes:mine")
    try:
        _, key = services.create_calendar_token(by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("classes:mine")
    request.session["classes_new_feed_url"] = request.build_absolute_uri(
        reverse("classes:ical_feed", args=[key])
    )
    messages.success(request, "已生成日历订阅地址。请复制保存：此地址只显示这一次。")
    return redirect("classes:mine")


@login_required
@require_POST
def feed_revoke(request, pk: int):
    try:
        services.revoke_calendar_token(by=request.user, token_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "日历订阅已撤销，原地址不再可用。")
    return redirect("classes:mine")


def ical_feed(request, key: str):
    token = services.calendar_token_for_key(key)
    if token is None:
        raise Http404("订阅地址无效或已撤销。")
    start, end = ical.feed_window()
    name, sessions, statuses = selectors.feed_contents(token, start, end)
    body = ical.build_feed(name, sessions, statuses=statuses, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="yiwang.ics"'
    return response


@login_required
def approvals(request):
    if not selectors.runner_school_ids(request.user):
        raise PermissionDenied
    return render(
        request, "classes/approvals.html", {"pending": selectors.pending_approvals_for(request.user)[:200]}
    )


@login_required
@require_POST
def approval_decide(request, pk: int, decision: str):
    try:
        if decision == "approve":
            entry = services.approve_sign_up(by=request.user, sign_up_id=pk)
            messages.success(request, f"已批准{entry.user}的报名：{entry.get_status_display()}。")
        else:
            entry = services.reject_sign_up(
                by=request.user, sign_up_id=pk, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已拒绝{entry.user}的报名。")
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("classes:approvals")


def _attendance(request):
    if not selectors.runner_school_ids(request.user):
        raise PermissionDenied
    form = AttendanceFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, selectors.attendance_for(request.user, start, end)


@login_required
def attendance(request):
    form, check_ins = _attendance(request)
    return render(
        request,
        "classes/attendance.html",
        {
            "form": form,
            "page": paginate(check_ins, request.GET.get("page"), 50),
            "people": selectors.hours_by_person(check_ins),
            "querystring_without_page": _querystring(request) + "&",
        },
    )


@login_required
def attendance_export(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _, check_ins = _attendance(request)
    book = Workbook()
    sheet = book.active
    sheet.title = "旁听签到"
    sheet.append(
        ["所在学校", "姓名", "用户名", "日期", "时间", "课程", "班次", "主办学校", "签到时间", "学时"]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in check_ins.iterator(chunk_size=1000):
        entry, session = record.sign_up, record.sign_up.session
        sheet.append(
            [
                entry.home_school.short_name,
                entry.user.full_name,
                entry.user.username,
                session.date,
                f"{session.start_time:%H:%M}–{session.end_time:%H:%M}",
                session.title,
                session.training_class.name,
                session.training_class.owner_school.short_name,
                timezone.localtime(record.checked_in_at).strftime("%Y-%m-%d %H:%M"),
                float(record.hours),
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (10, 10, 16, 12, 13, 36, 28, 10, 17, 6), strict=True):
        sheet.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="attendance.xlsx"'
    return response

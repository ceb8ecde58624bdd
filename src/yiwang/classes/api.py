"""JSON API of the open classroom: classes and sessions (visibility applied), sign-up,
cancel, my sign-ups, check-in and 评课. Same services as the pages."""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import Id, Limit, Offset
from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.core.request_context import client_ip
from yiwang.network import rules

from . import selectors, services
from .enums import INDICATORS, ClassStatus
from .models import Enrolment, Session, SignUp, TrainingClass
from .schemas import (
    CheckInIn,
    CheckInOut,
    ClassDetailOut,
    ClassOut,
    EnrolmentOut,
    EvaluationIn,
    EvaluationOut,
    RatingTicketIn,
    RatingTicketOut,
    RosterOut,
    SessionOut,
    SignUpOut,
)

PREFIX = "classes"
router = Router(tags=["同听一堂课"])

MAX_WINDOW_DAYS = 62
MAX_LIMIT = 500


def local(value):
    """Datetimes leave the API in Asia/Shanghai (+08:00)."""
    return timezone.localtime(value) if value else None


def class_out(c: TrainingClass, session_count: int) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "term": c.term,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "trainee_count": c.trainee_count,
        "status": c.status,
        "status_label": c.get_status_display(),
        "scope": c.scope,
        "school_code": c.owner_school.code,
        "school_name": c.owner_school.name,
        "session_count": session_count,
        "enrolment": c.enrolment,
        "programme_seats_left": c.programme_seats_left,
    }


def session_out(s: Session) -> dict:
    return {
        "id": s.pk,
        "class_id": s.training_class_id,
        "class_name": s.training_class.name,
        "school_code": s.training_class.owner_school.code,
        "date": s.date,
        "starts_at": local(s.starts_at),
        "ends_at": local(s.ends_at),
        "title": s.title,
        "topic_id": s.topic_id,
        "teacher_id": s.teacher_id,
        "lecturer": s.lecturer,
        "place": s.place,
        "form": s.form,
        "form_label": s.get_form_display(),
        "module_id": s.module_id,
        "credit_hours": float(s.credit_hours),
        "is_open": s.is_open,
        "visiting_seats": s.visiting_seats,
        "seats_taken": s.seats_taken,
        "seats_left": s.seats_left,
        "requires_approval": s.requires_approval,
        "quota_per_school": s.quota_per_school,
        "signup_opens_at": local(s.signup_opens_at),
        "signup_closes_at": local(s.signup_closes_at),
        "is_cancelled": s.is_cancelled,
        "sequence": s.sequence,
    }


def sign_up_out(e: SignUp, checked_in: bool | None = None) -> dict:
    """``checked_in=False`` skips looking up the check-in (a sign-up just made has none)."""
    check_in = (
        None if checked_in is False else getattr(e, "check_in", None) if hasattr(e, "check_in") else None
    )
    return {
        "id": e.pk,
        "session_id": e.session_id,
        "session_title": e.session.title,
        "starts_at": local(e.session.starts_at),
        "status": e.status,
        "status_label": e.get_status_display(),
        "waitlist_position": e.waitlist_position,
        "home_school_code": e.home_school.code,
        "checked_in_at": local(check_in.checked_in_at) if check_in else None,
        "hours": float(check_in.hours) if check_in else None,
        "message": services.sign_up_message(e),
    }


class ClassFilters(Schema):
    school: str = ""
    status: str = ""
    limit: Limit = 100
    offset: Offset = 0


@router.get("/classes", response=list[ClassOut], summary="班次列表（按共享范围可见）")
def list_classes(request, filters: Query[ClassFilters]):
    qs = (
        selectors.classes_visible_to(request.auth)
        .select_related("owner_school")
        .annotate(n=Count("sessions"))
    )
    if filters.school:
        qs = qs.filter(owner_school__code=filters.school)
    if filters.status in ClassStatus.values:
        qs = qs.filter(status=filters.status)
    limit, offset = min(max(filters.limit, 1), MAX_LIMIT), max(filters.offset, 0)
    return [class_out(c, c.n) for c in qs.order_by("-start_date", "id")[offset : offset + limit]]


@router.get("/classes/{class_id}", response=ClassDetailOut, summary="班次详情与课程表")
def get_class(request, class_id: int):
    training_class = selectors.access_class(request.auth, class_id)
    sessions = list(
        training_class.sessions.select_related("training_class__owner_school", "teacher").order_by(
            "date", "start_time", "id"
        )
    )
    return {**class_out(training_class, len(sessions)), "sessions": [session_out(s) for s in sessions]}


class SessionFilters(Schema):
    start: date | None = None
    end: date | None = None
    school: str = ""
    module: Id | None = None
    form: str = ""
    open: bool = False
    limit: Limit = 200
    offset: Offset = 0


@router.get("/sessions", response=list[SessionOut], summary="课程表（时间窗口内、按共享范围可见）")
def list_sessions(request, filters: Query[SessionFilters]):
    start = filters.start or timezone.localdate()
    end = filters.end or start + timedelta(days=6)
    if end < start:
        raise DomainError("结束日期不能早于开始日期。", field="end")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise DomainError(f"一次最多查询 {MAX_WINDOW_DAYS} 天的课程。", field="end")
    wanted = selectors.CalendarFilters(
        school_code=filters.school, module_id=filters.module, form=filters.form, open_only=filters.open
    )
    qs = (
        selectors.calendar_sessions(request.auth, start, end, wanted)
        .select_related("training_class__owner_school", "teacher")
        .order_by("date", "start_time", "id")
    )
    limit, offset = min(max(filters.limit, 1), MAX_LIMIT), max(filters.offset, 0)
    return [session_out(s) for s in qs[offset : offset + limit]]


@router.get("/sessions/{session_id}", response=SessionOut, summary="课程详情")
def get_session(request, session_id: int):
    return session_out(selectors.access_session(request.auth, session_id))


@router.post(
    "/sessions/{session_id}/sign-ups",
    response={201: SignUpOut},
    auth=SignedIn(),
    summary="报名旁听（满员进入候补）",
)
def create_sign_up(request, session_id: int):
    entry = services.sign_up(by=request.auth, session_id=session_id)
    return Status(201, sign_up_out(entry, checked_in=False))


@router.post(
    "/sign-ups/{sign_up_id}/cancel", response=SignUpOut, auth=SignedIn(), summary="取消报名（候补自动递补）"
)
def cancel_sign_up(request, sign_up_id: int):
    entry = services.cancel_sign_up(by=request.auth, sign_up_id=sign_up_id)
    return sign_up_out(SignUp.objects.select_related("session", "home_school").get(pk=entry.pk))


def enrolment_out(e: Enrolment, sessions: int | None = None) -> dict:
    return {
        "id": e.pk,
        "class_id": e.training_class_id,
        "class_name": e.training_class.name,
        "status": e.status,
        "status_label": e.get_status_display(),
        "home_school_code": e.home_school.code,
        "sessions": sessions if sessions is not None else e.sign_ups.filter(status="confirmed").count(),
        "completion": e.completion,
        "attended_sessions": e.attended_sessions,
        "total_sessions": e.total_sessions,
        "hours": float(e.hours),
    }


def _enrolment(pk: int) -> Enrolment:
    return Enrolment.objects.select_related("training_class", "home_school").get(pk=pk)


@router.post(
    "/classes/{class_id}/enrolment",
    response={201: EnrolmentOut},
    auth=SignedIn(),
    summary="整期报名（一次报名全部课程）",
)
def create_enrolment(request, class_id: Id):
    enrolment = services.enrol(by=request.auth, class_id=class_id)
    return Status(201, enrolment_out(_enrolment(enrolment.pk)))


@router.post(
    "/enrolments/{enrolment_id}/cancel", response=EnrolmentOut, auth=SignedIn(), summary="取消整期报名"
)
def cancel_enrolment(request, enrolment_id: Id):
    enrolment = services.cancel_enrolment(by=request.auth, enrolment_id=enrolment_id)
    return enrolment_out(_enrolment(enrolment.pk))


@router.get("/enrolments/mine", response=list[EnrolmentOut], auth=SignedIn(), summary="我的整期报名")
def my_enrolments(request):
    enrolments = selectors.my_enrolments(request.auth).select_related("home_school")
    enrolments = enrolments.annotate(
        confirmed_sessions=Count("sign_ups", filter=Q(sign_ups__status="confirmed"))
    )
    return [enrolment_out(e, e.confirmed_sessions) for e in enrolments[:MAX_LIMIT]]


@router.get(
    "/classes/{class_id}/roster",
    response=RosterOut,
    auth=SignedIn(),
    summary="整期班次的学员名册与出勤（主办学校）",
)
def class_roster(request, class_id: Id):
    training_class = selectors.access_class(request.auth, class_id)
    if not training_class.is_programme or not rules.can_run_classes(
        request.auth, training_class.owner_school
    ):
        raise PermissionDeniedError("只有主办学校的教务、培训部门或学校管理员可以查看整期班次的学员名册。")
    data = selectors.programme_roster(training_class)
    return {
        "class_id": training_class.pk,
        "session_ids": [s.pk for s in data.sessions],
        "counted_sessions": data.counted_sessions,
        "completion_percent": training_class.completion_percent,
        "rows": [
            {
                "enrolment_id": row.enrolment.pk,
                "username": row.enrolment.user.username,
                "name": row.enrolment.user.full_name or row.enrolment.user.username,
                "school_code": row.enrolment.home_school.code,
                "attended": row.attended,
                "attended_count": row.attended_count,
                "hours": float(row.hours),
                "completion": row.enrolment.completion,
            }
            for row in data.rows
        ],
    }


@router.get("/sign-ups/mine", response=list[SignUpOut], auth=SignedIn(), summary="我的报名")
def my_sign_ups(request):
    return [sign_up_out(e) for e in selectors.my_sign_ups(request.auth)[:MAX_LIMIT]]


@router.post("/check-ins", response={201: CheckInOut}, auth=SignedIn(), summary="扫码签到")
def check_in(request, payload: CheckInIn):
    record = services.check_in(by=request.auth, qr=payload.token)
    return Status(
        201,
        {
            "sign_up_id": record.sign_up_id,
            "session_id": record.sign_up.session_id,
            "checked_in_at": local(record.checked_in_at),
            "hours": float(record.hours),
        },
    )


@router.post(
    "/evaluations/tickets",
    response={201: RatingTicketOut},
    summary="领取一次性评课凭证（相当于打开评课页面）",
)
def issue_rating_ticket(request, payload: RatingTicketIn):
    return Status(201, {"ticket": services.rating_ticket_for_qr(qr=payload.token, ip=client_ip(request))})


@router.post("/evaluations", response={201: EvaluationOut}, summary="评课（无需登录，每人每堂课一次）")
def submit_evaluation(request, payload: EvaluationIn):
    user = request.auth if getattr(request.auth, "is_authenticated", False) else None
    if user is None and not 16 <= len(payload.device_id) <= 64:
        raise DomainError("未登录评课时请提供 16–64 个字符的设备标识 device_id。", field="device_id")
    evaluation = services.submit_evaluation(
        qr=payload.token,
        scores={name: getattr(payload, name) for name, _ in INDICATORS},
        comment=payload.comment,
        user=user,
        device_id=payload.device_id,
        ticket=payload.ticket,
        ip=client_ip(request),
    )
    return Status(
        201,
        {
            "id": evaluation.pk,
            "session_id": evaluation.session_id,
            "total": sum(getattr(evaluation, name) for name, _ in INDICATORS),
            "message": "感谢评课！",
        },
    )

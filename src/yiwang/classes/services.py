"""Writes of the open classroom. Each: permission → transition check → lock → save →
audit (same transaction) → notify after commit.

Seats are taken with a conditional UPDATE under a row lock on the session, so
``seats_taken`` never passes ``visiting_seats`` (a DB check constraint backs it).
"""

import hashlib
import secrets
from datetime import date as date_type
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit, snapshot
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.faculty.models import Teacher
from yiwang.network import rules
from yiwang.network.models import Membership, School
from yiwang.network.services import apply_sharing, validate_sharing
from yiwang.network.visibility import access
from yiwang.topics.enums import TeachingForm
from yiwang.topics.models import Topic

from . import selectors, tokens
from .enums import (
    ACTIVE_SIGN_UP_STATUSES,
    INDICATOR_MAX,
    INDICATORS,
    ClassKind,
    ClassStatus,
    FeedKind,
    SignUpStatus,
)
from .models import CalendarToken, CheckIn, Evaluation, Session, SignUp, TrainingClass


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429


CLASS_FIELDS = [
    "name",
    "kind",
    "term",
    "start_date",
    "end_date",
    "trainee_count",
    "head_teacher",
    "status",
    "scope",
]
SESSION_FIELDS = [
    "date",
    "start_time",
    "end_time",
    "topic",
    "title",
    "teacher",
    "lecturer_name",
    "place",
    "form",
    "module",
    "credit_hours",
    "is_open",
    "visiting_seats",
    "signup_opens_at",
    "signup_closes_at",
    "quota_per_school",
    "requires_approval",
    "is_cancelled",
]
# A change of one of these on a published session is announced to everyone signed up.
NOTIFIED_FIELDS = {
    "date": "日期",
    "start_time": "开始时间",
    "end_time": "结束时间",
    "teacher": "授课教师",
    "lecturer_name": "讲师",
    "place": "地点",
}


def _setting(name: str, default):
    return getattr(settings, name, default)


def seat_guard_enabled() -> bool:
    """TEST-ONLY switch: ``CLASSES_SEAT_GUARD = False`` makes sign-up use a naive check-then-insert,
    so the concurrency test can show it detects overbooking. Never set it anywhere else."""
    return bool(_setting("CLASSES_SEAT_GUARD", True))


def cancel_cutoff() -> timedelta:
    return timedelta(minutes=int(_setting("CLASSES_CANCEL_CUTOFF_MINUTES", 120)))


def local_datetime(day: date_type, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _fmt(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _require_runner(by, school) -> None:
    if not rules.can_run_classes(by, school):
        raise PermissionDeniedError("只有本校教务、培训部门或学校管理员可以管理班次和课程安排。")


# ---- classes --------------------------------------------------------------------------------


def _validate_class(fields: dict, by, school: School) -> None:
    if not str(fields.get("name") or "").strip():
        raise DomainError("请填写班次名称。", field="name")
    if fields.get("kind") not in ClassKind.values:
        raise DomainError("班次类型无效。", field="kind")
    if not fields.get("start_date") or not fields.get("end_date"):
        raise DomainError("请填写开班和结业日期。", field="start_date")
    if fields["end_date"] < fields["start_date"]:
        raise DomainError("结业日期不能早于开班日期。", field="end_date")
    if int(fields.get("trainee_count") or 0) < 0:
        raise DomainError("学员人数不能为负数。", field="trainee_count")
    head = fields.get("head_teacher")
    if head is not None:
        access(Teacher.objects.all(), by, head.pk)


def create_class(
    *,
    by,
    school: School,
    name: str,
    kind: str,
    start_date,
    end_date,
    term: str = "",
    trainee_count: int = 0,
    head_teacher: Teacher | None = None,
    scope: str = "system",
    alliances=(),
    partnerships=(),
) -> TrainingClass:
    _require_runner(by, school)
    fields = dict(
        name=name.strip(),
        kind=kind,
        term=term.strip(),
        start_date=start_date,
        end_date=end_date,
        trainee_count=trainee_count or 0,
        head_teacher=head_teacher,
    )
    _validate_class(fields, by, school)
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    with transaction.atomic():
        training_class = TrainingClass.objects.create(owner_school=school, scope=scope, **fields)
        apply_sharing(training_class, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by,
            action="class.created",
            obj=training_class,
            school=school,
            after=snapshot(training_class, CLASS_FIELDS),
        )
    return training_class


def update_class(
    *, by, training_class: TrainingClass, alliances=None, partnerships=None, **changes
) -> TrainingClass:
    _require_runner(by, training_class.owner_school_id)
    unknown = set(changes) - {
        "name",
        "kind",
        "term",
        "start_date",
        "end_date",
        "trainee_count",
        "head_teacher",
        "scope",
    }
    if unknown:
        raise DomainError("不能修改这些字段：" + "、".join(sorted(unknown)))
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        before = snapshot(training_class, CLASS_FIELDS)
        fields = {**{f: getattr(training_class, f) for f in CLASS_FIELDS}, **changes}
        _validate_class(fields, by, training_class.owner_school)
        outside = training_class.sessions.exclude(
            date__gte=fields["start_date"], date__lte=fields["end_date"]
        )
        if outside.exists():
            raise DomainError("已有课程安排在新的起止日期之外，请先移动这些课程。", field="start_date")
        if alliances is None:
            alliances, partnerships = (
                list(training_class.shared_alliances.all()),
                list(training_class.shared_partnerships.all()),
            )
        validate_sharing(
            owner_school=training_class.owner_school,
            scope=fields["scope"],
            alliances=alliances,
            partnerships=partnerships or (),
        )
        for key, value in changes.items():
            setattr(training_class, key, value.strip() if isinstance(value, str) else value)
        training_class.save()
        apply_sharing(training_class, alliances=alliances, partnerships=partnerships or ())
        record_audit(
            actor=by,
            action="class.updated",
            obj=training_class,
            school=training_class.owner_school,
            before=before,
            after=snapshot(training_class, CLASS_FIELDS),
        )
    return training_class


def publish_class(*, by, training_class: TrainingClass) -> TrainingClass:
    """草稿 → 发布: the schedule becomes visible to everyone in scope at once."""
    _require_runner(by, training_class.owner_school_id)
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if training_class.status != ClassStatus.DRAFT:
            raise ConflictError("该班次已发布，无需重复发布。")
        if not training_class.sessions.exists():
            raise DomainError("班次还没有课程安排，不能发布。")
        conflicts = selectors.schedule_conflicts(by, training_class)
        if conflicts:
            raise ConflictError(
                f"课程表存在 {len(conflicts)} 处时间冲突，请先处理后再发布：{conflicts[0].message}。"
            )
        training_class.status = ClassStatus.PUBLISHED
        training_class.published_at = timezone.now()
        training_class.save(update_fields=["status", "published_at", "updated_at"])
        record_audit(
            actor=by,
            action="class.published",
            obj=training_class,
            school=training_class.owner_school,
            before={"status": ClassStatus.DRAFT},
            after={"status": ClassStatus.PUBLISHED},
        )
    return training_class


def finish_class(*, by, training_class: TrainingClass) -> TrainingClass:
    _require_runner(by, training_class.owner_school_id)
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if training_class.status != ClassStatus.PUBLISHED:
            raise ConflictError("只有已发布的班次可以结束。")
        training_class.status = ClassStatus.FINISHED
        training_class.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=by,
            action="class.finished",
            obj=training_class,
            school=training_class.owner_school,
            before={"status": ClassStatus.PUBLISHED},
            after={"status": ClassStatus.FINISHED},
        )
    return training_class


# ---- sessions -------------------------------------------------------------------------------


def _hours_between(start: time, end: time) -> Decimal:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return Decimal(round(minutes / 30) / 2).quantize(Decimal("0.1"))


def _validate_session(fields: dict, by, training_class: TrainingClass, seats_taken: int = 0) -> None:
    day, start, end = fields.get("date"), fields.get("start_time"), fields.get("end_time")
    if not day or not start or not end:
        raise DomainError("请填写上课日期、开始时间和结束时间。", field="date")
    if end <= start:
        raise DomainError("结束时间必须晚于开始时间。", field="end_time")
    if not training_class.start_date <= day <= training_class.end_date:
        raise DomainError(
            f"上课日期须在班次起止日期之内（{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}）。",
            field="date",
        )
    if fields.get("topic") is not None:
        access(Topic.objects.all(), by, fields["topic"].pk)
    if fields.get("teacher") is not None:
        access(Teacher.objects.all(), by, fields["teacher"].pk)
    if not str(fields.get("title") or "").strip():
        raise DomainError("请填写课程名称，或从讲题库选择讲题。", field="title")
    if fields.get("form") not in TeachingForm.values:
        raise DomainError("教学形式无效。", field="form")
    _validate_seats(fields, seats_taken)
    opens, closes = fields.get("signup_opens_at"), fields.get("signup_closes_at")
    if opens and closes and closes <= opens:
        raise DomainError("报名截止时间必须晚于报名开始时间。", field="signup_closes_at")
    if closes and closes > local_datetime(day, start):
        raise DomainError("报名截止时间不能晚于开课时间。", field="signup_closes_at")
    if fields.get("credit_hours") is not None and fields["credit_hours"] < 0:
        raise DomainError("学时不能为负数。", field="credit_hours")


def _validate_seats(fields: dict, seats_taken: int) -> None:
    seats = fields.get("visiting_seats") or 0
    if seats < 0:
        raise DomainError("旁听席位不能为负数。", field="visiting_seats")
    if fields.get("is_open") and seats == 0:
        raise DomainError("开放旁听的课程请设置旁听席位数。", field="visiting_seats")
    if seats < seats_taken:
        raise DomainError(f"旁听席位不能少于已确认的 {seats_taken} 人。", field="visiting_seats")
    quota = fields.get("quota_per_school")
    if quota is not None and quota <= 0:
        raise DomainError("每校名额须为正整数；不限名额请留空。", field="quota_per_school")


def _session_defaults(fields: dict) -> dict:
    topic = fields.get("topic")
    fields.setdefault("form", TeachingForm.LECTURE)
    if topic is not None:
        if not str(fields.get("title") or "").strip():
            fields["title"] = topic.title
        if fields.get("module") is None and topic.module_id:
            fields["module"] = topic.module
    for key in ("title", "lecturer_name", "place"):
        fields[key] = str(fields.get(key) or "").strip()
    if (
        fields.get("credit_hours") is None
        and fields.get("start_time")
        and fields.get("end_time")
        and fields["end_time"] > fields["start_time"]
    ):
        fields["credit_hours"] = _hours_between(fields["start_time"], fields["end_time"])
    if not fields.get("is_open"):
        fields["is_open"] = False
    fields["visiting_seats"] = fields.get("visiting_seats") or 0
    return fields


def _set_times(session: Session) -> None:
    session.starts_at = local_datetime(session.date, session.start_time)
    session.ends_at = local_datetime(session.date, session.end_time)


def add_session(*, by, training_class: TrainingClass, **fields) -> Session:
    _require_runner(by, training_class.owner_school_id)
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise DomainError("未知的课程字段：" + "、".join(sorted(unknown)))
    fields = _session_defaults(dict(fields))
    _validate_session(fields, by, training_class)
    with transaction.atomic():
        session = Session(training_class=training_class, **fields)
        _set_times(session)
        session.save()
        record_audit(
            actor=by,
            action="session.created",
            obj=session,
            school=training_class.owner_school,
            after=snapshot(session, SESSION_FIELDS),
        )
    return session


def _active_sign_up_users(session: Session) -> list:
    return [
        s.user for s in session.sign_ups.filter(status__in=ACTIVE_SIGN_UP_STATUSES).select_related("user")
    ]


def _session_url(session: Session) -> str:
    return reverse("classes:session_detail", args=[session.pk])


def update_session(*, by, session: Session, **changes) -> Session:
    """Edit or move a session. On a published class, a change of time, teacher or place
    bumps the iCal SEQUENCE and notifies everyone signed up."""
    unknown = set(changes) - (set(SESSION_FIELDS) - {"is_cancelled"})
    if unknown:
        raise DomainError("未知的课程字段：" + "、".join(sorted(unknown)))
    training_class = session.training_class
    _require_runner(by, training_class.owner_school_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)
        if session.is_cancelled:
            raise ConflictError("该课程已取消，不能再修改。")
        before = snapshot(session, SESSION_FIELDS)
        fields = _session_defaults({**{f: getattr(session, f) for f in SESSION_FIELDS}, **changes})
        _validate_session(fields, by, training_class, seats_taken=session.seats_taken)
        changed = [f for f in SESSION_FIELDS if fields[f] != getattr(session, f)]
        if not changed:
            return session
        for key in changed:
            setattr(session, key, fields[key])
        _set_times(session)
        published = training_class.is_published
        if published:
            session.sequence = F("sequence") + 1
        session.save()
        session.refresh_from_db()
        promoted = _promote_waitlist(session) if "visiting_seats" in changed else []
        record_audit(
            actor=by,
            action="session.updated",
            obj=session,
            school=training_class.owner_school,
            before=before,
            after=snapshot(session, SESSION_FIELDS),
        )
        notable = [NOTIFIED_FIELDS[f] for f in changed if f in NOTIFIED_FIELDS]
        if published and notable:
            notify(
                _active_sign_up_users(session),
                title=f"课程调整：{session.title}",
                body=f"{training_class.name}《{session.title}》的{'、'.join(notable)}已调整，现为 "
                f"{_fmt(session.starts_at)}–{timezone.localtime(session.ends_at):%H:%M}，"
                f"讲师 {session.lecturer or '待定'}，地点 {session.place or '待定'}。",
                url=_session_url(session),
            )
        _notify_promoted(promoted)
    return session


def cancel_session(*, by, session: Session, reason: str = "") -> Session:
    training_class = session.training_class
    _require_runner(by, training_class.owner_school_id)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.is_cancelled:
            raise ConflictError("该课程已取消。")
        session.is_cancelled = True
        if training_class.is_published:
            session.sequence = F("sequence") + 1
        session.save(update_fields=["is_cancelled", "sequence", "updated_at"])
        session.refresh_from_db()
        record_audit(
            actor=by,
            action="session.cancelled",
            obj=session,
            school=training_class.owner_school,
            before={"is_cancelled": False},
            after={"is_cancelled": True, "reason": reason},
        )
        if training_class.is_published:
            why = f"原因：{reason.strip()}。" if reason.strip() else ""
            notify(
                _active_sign_up_users(session),
                title=f"课程取消：{session.title}",
                body=f"{training_class.name}原定 {_fmt(session.starts_at)} 的《{session.title}》已取消。{why}",
                url=_session_url(session),
            )
    return session


def delete_session(*, by, session: Session) -> None:
    training_class = session.training_class
    _require_runner(by, training_class.owner_school_id)
    if training_class.is_published:
        raise ConflictError("已发布班次的课程不能删除，请改为取消。")
    with transaction.atomic():
        record_audit(
            actor=by,
            action="session.deleted",
            obj=session,
            school=training_class.owner_school,
            before=snapshot(session, SESSION_FIELDS),
        )
        session.delete()


def copy_day(*, by, training_class: TrainingClass, from_date: date_type, to_date: date_type) -> list[Session]:
    """Copy the (not cancelled) sessions of one day to another day of the class, without sign-ups."""
    _require_runner(by, training_class.owner_school_id)
    if from_date == to_date:
        raise DomainError("目标日期不能与原日期相同。", field="to_date")
    if not training_class.start_date <= to_date <= training_class.end_date:
        raise DomainError(
            f"目标日期须在班次起止日期之内（{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}）。",
            field="to_date",
        )
    sources = list(
        training_class.sessions.filter(date=from_date, is_cancelled=False).order_by("start_time", "id")
    )
    if not sources:
        raise DomainError(f"{from_date:%Y-%m-%d} 没有可复制的课程。", field="from_date")
    copies = []
    with transaction.atomic():
        for source in sources:
            copy = Session(training_class=training_class, **{f: getattr(source, f) for f in SESSION_FIELDS})
            copy.date, copy.is_cancelled = to_date, False
            _set_times(copy)
            copy.save()
            copies.append(copy)
        record_audit(
            actor=by,
            action="session.day_copied",
            obj=training_class,
            school=training_class.owner_school,
            after={"from": from_date, "to": to_date, "sessions": [c.pk for c in copies]},
        )
    return copies


# ---- sign-up --------------------------------------------------------------------------------


def home_school_of(user) -> School:
    """The school a visitor signs up for: their teacher membership first, else any membership."""
    membership = (
        Membership.objects.filter(user=user, is_active=True, school__is_active=True)
        .select_related("school")
        .order_by("-is_teacher", "school_id")
        .first()
    )
    if membership is None:
        raise PermissionDeniedError("您不属于任何党校，不能报名旁听。")
    return membership.school


def _check_open_for_sign_up(session: Session, now: datetime) -> None:
    status = session.training_class.status
    if status == ClassStatus.DRAFT:
        raise DomainError("班次尚未发布，不能报名。", code="not_published")
    if status == ClassStatus.FINISHED:
        raise DomainError("该班次已结束，不能报名。", code="finished")
    if session.is_cancelled:
        raise DomainError("该课程已取消，不能报名。", code="cancelled")
    if not session.is_open:
        raise DomainError("该课程不开放旁听。", code="not_open")
    if session.signup_opens_at and now < session.signup_opens_at:
        raise DomainError(f"报名尚未开始，将于 {_fmt(session.signup_opens_at)} 开放。", code="window_closed")
    closes = session.signup_closes_at or session.starts_at
    if now >= closes:
        raise DomainError(f"报名已于 {_fmt(closes)} 截止。", code="window_closed")


def _check_not_signed_up(session: Session, user) -> None:
    existing = SignUp.objects.filter(session=session, user=user, status__in=ACTIVE_SIGN_UP_STATUSES).first()
    if existing is not None:
        raise ConflictError(
            f"您已报名这堂课（当前状态：{existing.get_status_display()}），无需重复报名。",
            code="already_signed_up",
        )


def _check_no_overlap(session: Session, user) -> None:
    other = (
        SignUp.objects.filter(
            user=user,
            status__in=ACTIVE_SIGN_UP_STATUSES,
            session__is_cancelled=False,
            session__starts_at__lt=session.ends_at,
            session__ends_at__gt=session.starts_at,
        )
        .exclude(session=session)
        .select_related("session")
        .first()
    )
    if other is not None:
        raise ConflictError(
            f"您已报名同一时间的课程《{other.session.title}》（{_fmt(other.session.starts_at)}–"
            f"{timezone.localtime(other.session.ends_at):%H:%M}），不能同时报名时间重叠的课程。",
            code="overlapping",
        )


def _check_school_quota(session: Session, school: School) -> None:
    if session.quota_per_school is None:
        return
    used = SignUp.objects.filter(
        session=session, home_school=school, status__in=[SignUpStatus.PENDING, SignUpStatus.CONFIRMED]
    ).count()
    if used >= session.quota_per_school:
        raise DomainError(
            f"这堂课每校限 {session.quota_per_school} 个名额，{school.short_name}的名额已满。",
            code="quota_full",
        )


def _take_seat(session: Session) -> bool:
    """Take one visiting seat: a conditional UPDATE that cannot pass the seat count."""
    if not seat_guard_enabled():
        return _take_seat_naively(session)
    taken = Session.objects.filter(pk=session.pk, seats_taken__lt=F("visiting_seats")).update(
        seats_taken=F("seats_taken") + 1
    )
    return taken == 1


def _take_seat_naively(session: Session) -> bool:
    """TEST-ONLY negative control (CLASSES_SEAT_GUARD=False): check-then-insert, which overbooks under load."""
    confirmed = SignUp.objects.filter(session=session, status=SignUpStatus.CONFIRMED).count()
    if confirmed >= session.visiting_seats:
        return False
    Session.objects.filter(pk=session.pk).update(seats_taken=confirmed + 1)
    return True


def _release_seat(session: Session) -> None:
    Session.objects.filter(pk=session.pk, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def _next_waitlist_position(session: Session) -> int:
    last = session.sign_ups.filter(status=SignUpStatus.WAITLISTED).aggregate(m=Max("waitlist_position"))["m"]
    return (last or 0) + 1


def _lock_session(session: Session) -> Session:
    if not seat_guard_enabled():
        return session
    return Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)


def _lock_person(user) -> None:
    """Serialise one person's sign-ups so two overlapping ones can't slip in side by side."""
    if seat_guard_enabled():
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def sign_up(*, by, session_id, now: datetime | None = None) -> SignUp:
    """Sign ``by`` up to audit a session: confirmed while seats last, else waitlisted;
    pending first where the session needs the home school's approval."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录后再报名。")
    session = selectors.access_session(by, session_id)
    home = home_school_of(by)
    _check_open_for_sign_up(session, now or timezone.now())
    try:
        with transaction.atomic():
            _lock_person(by)
            _check_not_signed_up(session, by)
            _check_no_overlap(session, by)
            session = _lock_session(session)
            _check_school_quota(session, home)
            entry = SignUp(session=session, user=by, home_school=home)
            if session.requires_approval:
                entry.status = SignUpStatus.PENDING
            elif _take_seat(session):
                entry.status = SignUpStatus.CONFIRMED
            else:
                entry.status = SignUpStatus.WAITLISTED
                entry.waitlist_position = _next_waitlist_position(session)
            entry.save()
            record_audit(
                actor=by,
                action="sign_up.created",
                obj=entry,
                school=home,
                after={"session": session.pk, "status": entry.status},
            )
            if entry.status == SignUpStatus.PENDING:
                _notify_approvers(entry)
    except IntegrityError:
        raise ConflictError("您已报名这堂课，无需重复报名。", code="already_signed_up") from None
    return entry


def sign_up_message(entry: SignUp) -> str:
    if entry.status == SignUpStatus.CONFIRMED:
        return "报名成功，席位已确认。"
    if entry.status == SignUpStatus.WAITLISTED:
        return (
            f"旁听席位已满，您已进入候补名单第 {entry.waitlist_position} 位；有人取消时将自动递补并通知您。"
        )
    if entry.status == SignUpStatus.PENDING:
        return "报名已提交，待您所在学校审批后确认席位。"
    return f"报名状态：{entry.get_status_display()}。"


def _notify_approvers(entry: SignUp) -> None:
    runs_classes = (
        Q(memberships__is_school_admin=True)
        | Q(memberships__is_teaching_staff=True)
        | Q(memberships__is_training_staff=True)
    )
    approvers = (
        get_user_model()
        .objects.filter(runs_classes, memberships__school=entry.home_school, memberships__is_active=True)
        .distinct()
    )
    notify(
        list(approvers),
        title=f"旁听报名待审批：{entry.user}",
        body=f"{entry.user}报名旁听《{entry.session.title}》（{_fmt(entry.session.starts_at)}），请审批。",
        url=reverse("classes:approvals"),
    )


def _promote_waitlist(session: Session) -> list[SignUp]:
    """Fill free seats from the waitlist, in order. Call with the session row locked."""
    promoted = []
    for entry in session.sign_ups.filter(status=SignUpStatus.WAITLISTED).order_by(
        "waitlist_position", "created_at"
    ):
        if not _take_seat(session):
            break
        entry.status, entry.waitlist_position = SignUpStatus.CONFIRMED, None
        entry.save(update_fields=["status", "waitlist_position"])
        record_audit(
            actor=None,
            action="sign_up.promoted",
            obj=entry,
            school=entry.home_school,
            before={"status": SignUpStatus.WAITLISTED},
            after={"status": SignUpStatus.CONFIRMED},
        )
        promoted.append(entry)
    return promoted


def _notify_promoted(promoted: list[SignUp]) -> None:
    for entry in promoted:
        notify(
            [entry.user],
            title=f"候补递补成功：{entry.session.title}",
            body=f"有人取消报名，您已从候补递补为正式旁听：《{entry.session.title}》，{_fmt(entry.session.starts_at)}，"
            f"地点 {entry.session.place or '待定'}。",
            url=_session_url(entry.session),
        )


def _own_sign_up(by, sign_up_id) -> SignUp:
    entry = (
        SignUp.objects.select_related("session__training_class").filter(pk=sign_up_id, user_id=by.pk).first()
        if getattr(by, "is_authenticated", False)
        else None
    )
    if entry is None:
        raise NotFoundError()
    return entry


def cancel_sign_up(*, by, sign_up_id, now: datetime | None = None) -> SignUp:
    """Cancel one's own sign-up until the cutoff; a freed seat goes to the next on the waitlist."""
    entry = _own_sign_up(by, sign_up_id)
    now = now or timezone.now()
    if entry.status not in ACTIVE_SIGN_UP_STATUSES:
        raise ConflictError(f"该报名已{entry.get_status_display()}，无需再取消。")
    cutoff = entry.session.starts_at - cancel_cutoff()
    if now >= cutoff and not entry.session.is_cancelled:
        hours = cancel_cutoff().total_seconds() / 3600
        raise DomainError(
            f"开课前 {hours:g} 小时内不能取消报名（截止 {_fmt(cutoff)}），如有变化请联系主办学校。",
            code="cutoff_passed",
        )
    with transaction.atomic():
        session = _lock_session(entry.session)
        entry = SignUp.objects.select_for_update().get(pk=entry.pk)
        if entry.status not in ACTIVE_SIGN_UP_STATUSES:
            raise ConflictError(f"该报名已{entry.get_status_display()}，无需再取消。")
        was = entry.status
        entry.status, entry.waitlist_position, entry.cancelled_at = SignUpStatus.CANCELLED, None, now
        entry.save(update_fields=["status", "waitlist_position", "cancelled_at"])
        promoted = []
        if was == SignUpStatus.CONFIRMED:
            _release_seat(session)
            promoted = _promote_waitlist(session)
        record_audit(
            actor=by,
            action="sign_up.cancelled",
            obj=entry,
            school=entry.home_school,
            before={"status": was},
            after={"status": SignUpStatus.CANCELLED},
        )
        _notify_promoted(promoted)
    return entry


def _pending_for_approver(by, sign_up_id) -> SignUp:
    entry = (
        SignUp.objects.select_related("session__training_class", "user", "home_school")
        .filter(pk=sign_up_id)
        .first()
    )
    if entry is None or entry.home_school_id not in selectors.runner_school_ids(by):
        raise NotFoundError()
    if entry.status != SignUpStatus.PENDING:
        raise ConflictError(f"该报名当前为“{entry.get_status_display()}”，不在待审批状态。")
    return entry


def approve_sign_up(*, by, sign_up_id) -> SignUp:
    """The home school approves: the seat is taken now, or the visitor joins the waitlist."""
    entry = _pending_for_approver(by, sign_up_id)
    with transaction.atomic():
        session = _lock_session(entry.session)
        entry = SignUp.objects.select_for_update().get(pk=entry.pk)
        if entry.status != SignUpStatus.PENDING:
            raise ConflictError("该报名已被处理。")
        if _take_seat(session):
            entry.status = SignUpStatus.CONFIRMED
        else:
            entry.status, entry.waitlist_position = SignUpStatus.WAITLISTED, _next_waitlist_position(session)
        entry.decided_by, entry.decided_at = by, timezone.now()
        entry.save(update_fields=["status", "waitlist_position", "decided_by", "decided_at"])
        record_audit(
            actor=by,
            action="sign_up.approved",
            obj=entry,
            school=entry.home_school,
            before={"status": SignUpStatus.PENDING},
            after={"status": entry.status},
        )
        notify(
            [entry.user],
            title=f"旁听报名已获批准：{session.title}",
            body=f"所在学校已批准您旁听《{session.title}》。{sign_up_message(entry)}",
            url=_session_url(session),
        )
    return entry


def reject_sign_up(*, by, sign_up_id, reason: str = "") -> SignUp:
    entry = _pending_for_approver(by, sign_up_id)
    with transaction.atomic():
        entry = SignUp.objects.select_for_update().select_related("session").get(pk=entry.pk)
        if entry.status != SignUpStatus.PENDING:
            raise ConflictError("该报名已被处理。")
        entry.status, entry.decided_by, entry.decided_at = SignUpStatus.REJECTED, by, timezone.now()
        entry.note = reason.strip()[:200]
        entry.save(update_fields=["status", "decided_by", "decided_at", "note"])
        record_audit(
            actor=by,
            action="sign_up.rejected",
            obj=entry,
            school=entry.home_school,
            before={"status": SignUpStatus.PENDING},
            after={"status": SignUpStatus.REJECTED, "reason": entry.note},
        )
        notify(
            [entry.user],
            title=f"旁听报名未获批准：{entry.session.title}",
            body=f"所在学校未批准您旁听《{entry.session.title}》。{entry.note}",
            url=_session_url(entry.session),
        )
    return entry


# ---- check-in -------------------------------------------------------------------------------


def check_in(*, by, qr: str, now: datetime | None = None) -> CheckIn:
    """Check in through the session's QR link; credits the session's hours to the home school's record."""
    session_id = tokens.session_id_from_qr(qr)
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录后再签到。")
    session = Session.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    now = now or timezone.now()
    entry = SignUp.objects.filter(session=session, user=by, status__in=ACTIVE_SIGN_UP_STATUSES).first()
    _check_can_check_in(session, entry, now)
    existing = CheckIn.objects.filter(sign_up=entry).first()
    if existing is not None:
        raise ConflictError(
            f"您已于 {_fmt(existing.checked_in_at)} 签到，无需重复签到。", code="already_checked_in"
        )
    try:
        with transaction.atomic():
            record = CheckIn.objects.create(sign_up=entry, checked_in_at=now, hours=session.credit_hours)
            record_audit(
                actor=by,
                action="sign_up.checked_in",
                obj=entry,
                school=entry.home_school,
                after={"session": session.pk, "hours": session.credit_hours},
            )
    except IntegrityError:
        raise ConflictError("您已签到，无需重复签到。", code="already_checked_in") from None
    return record


def _check_can_check_in(session: Session, entry: SignUp | None, now: datetime) -> None:
    if session.is_cancelled:
        raise DomainError("该课程已取消，无需签到。", code="cancelled")
    if entry is None:
        raise DomainError("您没有报名这堂课，不能签到。请先在课程表中报名。", code="not_signed_up")
    if entry.status == SignUpStatus.PENDING:
        raise DomainError("您的报名尚待所在学校审批，暂不能签到。", code="pending")
    if entry.status == SignUpStatus.WAITLISTED:
        raise DomainError(f"您仍在候补名单（第 {entry.waitlist_position} 位），不能签到。", code="waitlisted")
    early = timedelta(minutes=int(_setting("CLASSES_CHECKIN_EARLY_MINUTES", 60)))
    if now < session.starts_at - early:
        raise DomainError(
            f"签到尚未开始，开课前 {int(early.total_seconds() // 60)} 分钟开放签到。", code="too_early"
        )
    if now > session.ends_at:
        raise DomainError("课程已结束，签到已关闭。", code="too_late")


# ---- 评课 ------------------------------------------------------------------------------------


def _clean_scores(scores: dict) -> dict[str, int]:
    cleaned = {}
    for name, label in INDICATORS:
        value = scores.get(name)
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or str(value).strip() != str(number) or not 0 <= number <= INDICATOR_MAX:
            raise DomainError(f"“{label}”请打 0–{INDICATOR_MAX} 分之间的整数。", field=name)
        cleaned[name] = number
    return cleaned


def _check_rate_limit(ip: str | None) -> None:
    limit = int(_setting("CLASSES_RATING_IP_LIMIT", 60))
    window = int(_setting("CLASSES_RATING_IP_WINDOW_SECONDS", 600))
    key = f"yiwang:classes:rating-ip:{ip or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimitedError("评课提交过于频繁，请稍后再试。")


def rating_cap(session: Session) -> int:
    confirmed = session.sign_ups.filter(status=SignUpStatus.CONFIRMED).count()
    return session.training_class.trainee_count + confirmed + int(_setting("CLASSES_RATING_MARGIN", 10))


def submit_evaluation(
    *,
    qr: str,
    scores: dict,
    comment: str = "",
    user=None,
    device_id: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """评课 through the session's QR link, signed in or not: one rating per person per session.

    Ratings are anonymous by design, so no audit record (which carries the IP) is written.
    """
    session_id = tokens.session_id_from_qr(qr)
    _check_rate_limit(ip)
    cleaned = _clean_scores(scores)
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise DomainError("意见建议不能超过 1000 字。", field="comment")
    session = Session.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    if session.is_cancelled:
        raise DomainError("该课程已取消，不能评课。", code="cancelled")
    if (now or timezone.now()) < session.starts_at:
        raise DomainError("课程开始后才能评课。", code="too_early")
    fingerprint = tokens.rater_fingerprint(session.pk, user=user, device_id=device_id)
    try:
        with transaction.atomic():
            session = Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)
            if Evaluation.objects.filter(session=session, rater_fingerprint=fingerprint).exists():
                raise ConflictError("您已评价过这堂课，每人每堂课只能评价一次。", code="already_rated")
            if session.evaluations.count() >= rating_cap(session):
                raise DomainError("这堂课的评价数量已达上限，如有疑问请联系主办学校。", code="rating_cap")
            rater = user if getattr(user, "is_authenticated", False) else None
            return Evaluation.objects.create(
                session=session, comment=comment, rater_fingerprint=fingerprint, rater_user=rater, **cleaned
            )
    except IntegrityError:
        raise ConflictError("您已评价过这堂课，每人每堂课只能评价一次。", code="already_rated") from None


def has_rated(session: Session, *, user=None, device_id: str = "") -> bool:
    try:
        fingerprint = tokens.rater_fingerprint(session.pk, user=user, device_id=device_id)
    except DomainError:
        return False
    return Evaluation.objects.filter(session=session, rater_fingerprint=fingerprint).exists()


# ---- calendar feeds -------------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_calendar_token(
    *, by, kind: str, teacher: Teacher | None = None, school: School | None = None
) -> tuple[CalendarToken, str]:
    """A private iCal feed URL key (shown once). The feed carries only what ``by`` may see."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录。")
    if kind not in FeedKind.values:
        raise DomainError("订阅类型无效。", field="kind")
    if kind == FeedKind.TEACHER:
        if teacher is None:
            raise DomainError("请选择教师。", field="teacher")
        access(Teacher.objects.all(), by, teacher.pk)
    if kind == FeedKind.SCHOOL and (school is None or not school.is_active):
        raise DomainError("请选择学校。", field="school")
    key = "cal_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        token = CalendarToken.objects.create(
            kind=kind,
            user=by,
            key_hash=_hash_key(key),
            prefix=key[:10],
            teacher=teacher if kind == FeedKind.TEACHER else None,
            school=school if kind == FeedKind.SCHOOL else None,
        )
        record_audit(actor=by, action="calendar_token.created", obj=token)
    return token, key


def revoke_calendar_token(*, by, token_id) -> CalendarToken:
    with transaction.atomic():
        token = (
            CalendarToken.objects.select_for_update()
            .filter(pk=token_id, user_id=by.pk, revoked_at=None)
            .first()
        )
        if token is None:
            raise NotFoundError("订阅不存在或已撤销。")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(actor=by, action="calendar_token.revoked", obj=token)
    return token


def calendar_token_for_key(key: str) -> CalendarToken | None:
    return (
        CalendarToken.objects.select_related("user", "teacher", "school")
        .filter(key_hash=_hash_key(key or ""), revoked_at=None, user__is_active=True)
        .first()
    )

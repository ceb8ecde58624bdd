"""Training classes (班次) and their sessions (课程安排): the schedule builder.

A class goes 草稿 → 发布 → 结束 (``CLASS_TRANSITIONS``); every state change is one
checked function. Moving, re-timing or cancelling a published session bumps its iCal
SEQUENCE and notifies everyone signed up.
"""

from datetime import date as date_type
from datetime import time
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yiwang.activity.services import notify, record_audit, snapshot
from yiwang.core.errors import ConflictError, DomainError
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.services import apply_sharing, validate_sharing
from yiwang.network.visibility import access
from yiwang.topics.enums import TeachingForm
from yiwang.topics.models import Topic

from .. import selectors
from ..enums import ACTIVE_SIGN_UP_STATUSES, ClassKind, ClassStatus, EnrolmentMode
from ..models import CheckIn, Session, TrainingClass
from . import enrolments, signups
from .common import _fmt, _require_runner, _session_url, local_datetime

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
    "enrolment",
    "programme_seats",
    "enrolment_closes_at",
    "completion_percent",
]
# The fields a class form may change (the programme ones included).
EDITABLE_CLASS_FIELDS = [f for f in CLASS_FIELDS if f != "status"]
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


# The life of a class: which state may follow which, and the refusal when it may not.
CLASS_TRANSITIONS = {
    ClassStatus.DRAFT: {ClassStatus.PUBLISHED},
    ClassStatus.PUBLISHED: {ClassStatus.FINISHED},
    ClassStatus.FINISHED: set(),
}
CLASS_REFUSALS = {
    ClassStatus.PUBLISHED: "该班次已发布，无需重复发布。",
    ClassStatus.FINISHED: "只有已发布的班次可以结束。",
}


def _check_class_transition(training_class: TrainingClass, to: str) -> None:
    if to not in CLASS_TRANSITIONS.get(training_class.status, set()):
        raise ConflictError(CLASS_REFUSALS[to])


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
    if fields.get("enrolment", EnrolmentMode.SESSION) not in EnrolmentMode.values:
        raise DomainError("报名方式无效。", field="enrolment")


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
    enrolment: str = EnrolmentMode.SESSION,
    programme_seats: int = 0,
    enrolment_closes_at=None,
    completion_percent: int = 80,
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
        enrolment=enrolment or EnrolmentMode.SESSION,
        programme_seats=programme_seats or 0,
        enrolment_closes_at=enrolment_closes_at,
        completion_percent=completion_percent or 80,
    )
    _validate_class(fields, by, school)
    enrolments.check_programme_settings(fields)
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
    unknown = set(changes) - set(EDITABLE_CLASS_FIELDS)
    if unknown:
        raise DomainError("不能修改这些字段：" + "、".join(sorted(unknown)))
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        before = snapshot(training_class, CLASS_FIELDS)
        fields = {**{f: getattr(training_class, f) for f in CLASS_FIELDS}, **changes}
        _validate_class(fields, by, training_class.owner_school)
        enrolments.check_programme_settings(fields, training_class)
        if fields["enrolment"] != training_class.enrolment and training_class.programme_taken:
            raise DomainError("已有人整期报名，不能再修改报名方式。", field="enrolment")
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


def _move_class(*, by, training_class: TrainingClass, to: str, action: str, prepare=None) -> TrainingClass:
    """One step of ``CLASS_TRANSITIONS``: runner check, lock, transition check, ``prepare`` (its own
    checks and fields), save, audit."""
    _require_runner(by, training_class.owner_school_id)
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        _check_class_transition(training_class, to)
        if prepare is not None:
            prepare(training_class)
        was, training_class.status = training_class.status, to
        training_class.save(update_fields=["status", "published_at", "updated_at"])
        record_audit(
            actor=by,
            action=action,
            obj=training_class,
            school=training_class.owner_school,
            before={"status": was},
            after={"status": to},
        )
    return training_class


def publish_class(*, by, training_class: TrainingClass) -> TrainingClass:
    """草稿 → 发布: the schedule becomes visible to everyone in scope at once."""

    def ready(locked: TrainingClass) -> None:
        if not locked.sessions.exists():
            raise DomainError("班次还没有课程安排，不能发布。")
        conflicts = selectors.schedule_conflicts(by, locked)
        if conflicts:
            raise ConflictError(
                f"课程表存在 {len(conflicts)} 处时间冲突，请先处理后再发布：{conflicts[0].message}。"
            )
        locked.published_at = timezone.now()

    return _move_class(
        by=by,
        training_class=training_class,
        to=ClassStatus.PUBLISHED,
        action="class.published",
        prepare=ready,
    )


def finish_class(*, by, training_class: TrainingClass) -> TrainingClass:
    return _move_class(by=by, training_class=training_class, to=ClassStatus.FINISHED, action="class.finished")


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
    return create_session(by=by, training_class=training_class, fields=fields)


def create_session(*, by, training_class: TrainingClass, fields: dict, via: str = "") -> Session:
    """Check and save a new session of ``training_class`` (the caller checked who may add it):
    the schedule builder, or an accepted exchange (``via`` names it, e.g. ``"dispatch:12"``)."""
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise DomainError("未知的课程字段：" + "、".join(sorted(unknown)))
    fields = _session_defaults(dict(fields))
    _validate_session(fields, by, training_class)
    with transaction.atomic():
        session = Session(training_class=training_class, **fields)
        _set_times(session)
        session.save()
        if training_class.is_programme:
            enrolments.enrol_in_new_session(session)
        after = snapshot(session, SESSION_FIELDS)
        record_audit(
            actor=by,
            action="session.created",
            obj=session,
            school=training_class.owner_school,
            after={**after, "via": via} if via else after,
        )
    return session


def _active_sign_up_users(session: Session) -> list:
    return [
        s.user for s in session.sign_ups.filter(status__in=ACTIVE_SIGN_UP_STATUSES).select_related("user")
    ]


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
        promoted = signups.promote_waitlist(session) if "visiting_seats" in changed else []
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
        signups.notify_promoted(promoted)
    return session


def cancel_session(*, by, session: Session, reason: str = "", runner_checked: bool = False) -> Session:
    """Cancel a session. Its check-ins no longer credit 学时 and its ratings leave the roll-ups
    (both are kept and shown as cancelled); once people have checked in, a reason is required.
    Everyone signed up is notified once, after commit. ``runner_checked``: see exchange_sessions."""
    training_class = session.training_class
    if not runner_checked:
        _require_runner(by, training_class.owner_school_id)
    reason = (reason or "").strip()
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.is_cancelled:
            raise ConflictError("该课程已取消。")
        checked_in = CheckIn.objects.filter(sign_up__session=session).count()
        if checked_in and not reason:
            raise DomainError(
                f"已有 {checked_in} 人签到，取消后这些学时不再计入，请填写取消原因。", field="reason"
            )
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
            after={"is_cancelled": True, "reason": reason, "check_ins": checked_in},
        )
        if training_class.is_published:
            why = f"原因：{reason}。" if reason else ""
            hours = "已签到的学时不再计入。" if checked_in else ""
            notify(
                list({user.pk: user for user in _active_sign_up_users(session)}.values()),
                title=f"课程取消：{session.title}",
                body=f"{training_class.name}原定 {_fmt(session.starts_at)} 的《{session.title}》已取消。{why}{hours}",
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

"""整期报名 (programme enrolment): workshops and faculty-training programmes are joined as a whole.

One ``Enrolment`` per person and programme takes one of the programme's seats (a conditional
UPDATE that cannot pass ``programme_seats``, backed by a check constraint) and gives the person a
confirmed ``SignUp`` for every session that has not ended — so the existing QR check-in records
attendance session by session, and sessions added later reach everyone enrolled. Completion
(结业) is decided once, when the organiser confirms it after the last session: the share of the
programme's (non-cancelled) sessions attended against ``completion_percent``.
"""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit, record_audits
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.transitions import TransitionTable

from .. import selectors
from ..enums import (
    ACTIVE_SIGN_UP_STATUSES,
    ClassStatus,
    CompletionStatus,
    EnrolmentMode,
    EnrolmentStatus,
    SignUpStatus,
)
from ..models import CheckIn, Enrolment, Session, SignUp, TrainingClass
from .common import _fmt, _require_runner
from .signups import home_school_of, lock_person

ENROLMENT_STEPS = TransitionTable(
    EnrolmentStatus,
    {EnrolmentStatus.ENROLLED: {EnrolmentStatus.CANCELLED: ("self", "取消整期报名")}},
    noun="整期报名",
)


def _class_url(training_class: TrainingClass) -> str:
    return reverse("classes:class_detail", args=[training_class.pk])


def enrolment_deadline(training_class: TrainingClass) -> datetime | None:
    """When enrolment closes: the set deadline, else the start of the first session."""
    if training_class.enrolment_closes_at:
        return training_class.enrolment_closes_at
    first = (
        training_class.sessions.filter(is_cancelled=False)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return first


def _check_open_for_enrolment(training_class: TrainingClass, now: datetime) -> None:
    if not training_class.is_programme:
        raise DomainError("该班次按场次报名旁听，请在课程表中选择场次报名。", code="not_programme")
    if training_class.status == ClassStatus.DRAFT:
        raise DomainError("班次尚未发布，不能报名。", code="not_published")
    if training_class.status == ClassStatus.FINISHED or training_class.completed_at:
        raise DomainError("该班次已结束，不能报名。", code="finished")
    deadline = enrolment_deadline(training_class)
    if deadline is None:
        raise DomainError("该班次还没有课程安排，暂不能报名。", code="no_sessions")
    if now >= deadline:
        raise DomainError(f"整期报名已于 {_fmt(deadline)} 截止。", code="window_closed")


def _check_no_clash(training_class: TrainingClass, sessions: list[Session], user) -> None:
    """Refuse when the person is signed up elsewhere at the time of any of the programme's sessions."""
    if not sessions:
        return
    overlap = Q()
    for session in sessions:
        overlap |= Q(session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at)
    clash = (
        SignUp.objects.filter(user=user, status__in=ACTIVE_SIGN_UP_STATUSES, session__is_cancelled=False)
        .exclude(session__training_class=training_class)
        .filter(overlap)
        .order_by("session__starts_at")
        .values_list("session__title", "session__starts_at")
        .first()
    )
    if clash is not None:
        raise ConflictError(
            f"您已报名同一时间的课程《{clash[0]}》（{_fmt(clash[1])}），与本班次的课程时间重叠，不能整期报名。",
            code="overlapping",
        )


def _take_programme_seat(training_class: TrainingClass) -> bool:
    taken = TrainingClass.objects.filter(
        pk=training_class.pk, programme_taken__lt=F("programme_seats")
    ).update(programme_taken=F("programme_taken") + 1)
    return taken == 1


def _sign_ups_for(enrolments: list[Enrolment], sessions: list[Session]) -> list[SignUp]:
    """A confirmed sign-up of each enrolled person for each session, in one insert."""
    return SignUp.objects.bulk_create(
        [
            SignUp(
                session=session,
                user_id=enrolment.user_id,
                home_school_id=enrolment.home_school_id,
                status=SignUpStatus.CONFIRMED,
                enrolment=enrolment,
            )
            for enrolment in enrolments
            for session in sessions
        ]
    )


def enrol(*, by, class_id, now: datetime | None = None) -> Enrolment:
    """Enrol ``by`` in a whole programme: one seat, a confirmed sign-up for every coming session."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录后再报名。")
    training_class = selectors.access_class(by, class_id)
    now = now or timezone.now()
    _check_open_for_enrolment(training_class, now)
    home = home_school_of(by)
    try:
        with transaction.atomic():
            lock_person(by)
            if Enrolment.objects.filter(
                training_class=training_class, user=by, status=EnrolmentStatus.ENROLLED
            ).exists():
                raise ConflictError("您已报名该班次，无需重复报名。", code="already_enrolled")
            sessions = list(
                training_class.sessions.filter(is_cancelled=False, ends_at__gt=now).order_by(
                    "starts_at", "id"
                )
            )
            _check_no_clash(training_class, sessions, by)
            if not _take_programme_seat(training_class):
                raise DomainError(
                    f"该班次整期名额（{training_class.programme_seats} 人）已满。", code="programme_full"
                )
            # sign-ups this person already has in the class (per-session, before it became a
            # programme) are folded into the enrolment rather than duplicated
            existing = set(
                SignUp.objects.filter(
                    user=by, session__in=sessions, status__in=ACTIVE_SIGN_UP_STATUSES
                ).values_list("session_id", flat=True)
            )
            enrolment = Enrolment.objects.create(training_class=training_class, user=by, home_school=home)
            SignUp.objects.filter(
                user=by, session_id__in=existing, status__in=ACTIVE_SIGN_UP_STATUSES
            ).update(enrolment=enrolment, status=SignUpStatus.CONFIRMED, waitlist_position=None)
            _sign_ups_for([enrolment], [s for s in sessions if s.pk not in existing])
            record_audit(
                actor=by,
                action="enrolment.created",
                obj=enrolment,
                school=home,
                after={"class": training_class.pk, "sessions": len(sessions)},
            )
    except IntegrityError:
        raise ConflictError("您已报名该班次，无需重复报名。", code="already_enrolled") from None
    return enrolment


def _own_enrolment(by, enrolment_id) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("training_class").filter(pk=enrolment_id, user_id=by.pk).first()
        if getattr(by, "is_authenticated", False)
        else None
    )
    if enrolment is None:
        raise NotFoundError("没有找到这条整期报名。")
    return enrolment


def cancel_enrolment(*, by, enrolment_id, now: datetime | None = None) -> Enrolment:
    """Cancel one's own programme enrolment before the programme starts; frees the seat and every
    session sign-up that came with it."""
    enrolment = _own_enrolment(by, enrolment_id)
    now = now or timezone.now()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update().select_related("training_class").get(pk=enrolment.pk)
        )
        ENROLMENT_STEPS.step(enrolment.status, EnrolmentStatus.CANCELLED)
        training_class = enrolment.training_class
        first = (
            training_class.sessions.filter(is_cancelled=False)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        if first is not None and now >= first:
            raise ConflictError("班次已开课，不能再取消整期报名；如需请假，请联系主办学校。", code="started")
        enrolment.status, enrolment.cancelled_at = EnrolmentStatus.CANCELLED, now
        enrolment.save(update_fields=["status", "cancelled_at"])
        cancelled = enrolment.sign_ups.filter(status__in=ACTIVE_SIGN_UP_STATUSES).update(
            status=SignUpStatus.CANCELLED, cancelled_at=now, waitlist_position=None
        )
        TrainingClass.objects.filter(pk=training_class.pk, programme_taken__gt=0).update(
            programme_taken=F("programme_taken") - 1
        )
        record_audit(
            actor=by,
            action="enrolment.cancelled",
            obj=enrolment,
            school=enrolment.home_school,
            before={"status": EnrolmentStatus.ENROLLED},
            after={"status": EnrolmentStatus.CANCELLED, "sign_ups_cancelled": cancelled},
        )
    return enrolment


def enrol_in_new_session(session: Session) -> int:
    """A session added to a programme reaches everyone enrolled (called inside the adding transaction)."""
    enrolments = list(
        Enrolment.objects.filter(training_class_id=session.training_class_id, status=EnrolmentStatus.ENROLLED)
    )
    _sign_ups_for(enrolments, [session])
    return len(enrolments)


def check_programme_settings(fields: dict, training_class: TrainingClass | None = None) -> None:
    """The programme fields of a class form: seats for a programme, never fewer than enrolled."""
    if fields.get("enrolment") != EnrolmentMode.PROGRAMME:
        return
    seats = int(fields.get("programme_seats") or 0)
    if seats <= 0:
        raise DomainError("整期报名的班次请设置整期名额。", field="programme_seats")
    taken = training_class.programme_taken if training_class is not None else 0
    if seats < taken:
        raise DomainError(f"整期名额不能少于已报名的 {taken} 人。", field="programme_seats")
    percent = int(fields.get("completion_percent") or 0)
    if not 1 <= percent <= 100:
        raise DomainError("结业出勤要求须在 1% 至 100% 之间。", field="completion_percent")


def complete_programme(*, by, class_id, now: datetime | None = None) -> list[Enrolment]:
    """确认结业: once every session has ended, decide 结业 / 未结业 for everyone enrolled from the
    check-ins of the programme's non-cancelled sessions, record their hours, notify each once."""
    training_class = selectors.access_class(by, class_id)
    _require_runner(by, training_class.owner_school_id)
    now = now or timezone.now()
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if not training_class.is_programme:
            raise DomainError("只有整期报名的班次需要确认结业。", code="not_programme")
        if training_class.completed_at is not None:
            raise ConflictError(
                f"该班次已于 {_fmt(training_class.completed_at)} 确认结业。", code="completed"
            )
        sessions = training_class.sessions.filter(is_cancelled=False)
        total = sessions.count()
        if total == 0:
            raise DomainError("班次没有课程安排，不能确认结业。", code="no_sessions")
        if sessions.filter(ends_at__gt=now).exists():
            raise DomainError("还有课程尚未结束，全部课程结束后才能确认结业。", code="not_over")
        attended = {
            row["sign_up__enrolment_id"]: row
            for row in CheckIn.objects.filter(
                sign_up__enrolment__training_class=training_class,
                sign_up__enrolment__status=EnrolmentStatus.ENROLLED,
                sign_up__session__is_cancelled=False,
            )
            .values("sign_up__enrolment_id")
            .annotate(sessions=Count("id"), hours=Sum("hours"))
        }
        enrolments = list(
            Enrolment.objects.filter(
                training_class=training_class, status=EnrolmentStatus.ENROLLED
            ).select_related("user")
        )
        for enrolment in enrolments:
            row = attended.get(enrolment.pk, {"sessions": 0, "hours": Decimal(0)})
            enrolment.attended_sessions, enrolment.total_sessions = min(row["sessions"], total), total
            enrolment.hours = row["hours"] or Decimal(0)
            enrolment.completion = (
                CompletionStatus.COMPLETED
                if enrolment.attended_sessions * 100 >= training_class.completion_percent * total
                else CompletionStatus.NOT_COMPLETED
            )
        Enrolment.objects.bulk_update(
            enrolments, ["attended_sessions", "total_sessions", "hours", "completion"]
        )
        training_class.completed_at = now
        training_class.save(update_fields=["completed_at", "updated_at"])
        record_audits(
            actor=by,
            action="enrolment.completion_decided",
            entries=[
                (
                    e,
                    e.home_school_id,
                    None,
                    {
                        "completion": e.completion,
                        "attended": e.attended_sessions,
                        "of": total,
                        "hours": e.hours,
                    },
                )
                for e in enrolments
            ],
        )
        record_audit(
            actor=by,
            action="class.completed",
            obj=training_class,
            school=training_class.owner_school,
            after={
                "enrolled": len(enrolments),
                "completed": sum(e.completion == "completed" for e in enrolments),
            },
        )
        url = _class_url(training_class)
        for enrolment in enrolments:
            done = enrolment.completion == CompletionStatus.COMPLETED
            notify(
                [enrolment.user],
                title=f"{'结业' if done else '未结业'}：{training_class.name}",
                body=f"您在《{training_class.name}》出勤 {enrolment.attended_sessions}/{total} 场"
                f"（要求 {training_class.completion_percent}%），计入学时 {enrolment.hours}，"
                + ("已准予结业。" if done else "未达到结业要求。"),
                url=url,
            )
    return enrolments

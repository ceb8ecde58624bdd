"""旁听报名: sign-up, the waitlist, the home school's approval, cancellation.

A sign-up goes through ``SIGN_UP_TRANSITIONS`` (待审批 → 已确认 / 候补 / 已拒绝 / 已取消;
已确认 and 候补 → 已取消; 候补 → 已确认 when a seat frees); each change is one checked function.

Seats: ``take_seat`` is one conditional ``UPDATE … WHERE seats_taken < visiting_seats``, so
``seats_taken`` never passes ``visiting_seats`` however many sign-ups race (a DB check
constraint backs it); no row lock is needed for that. The waitlist number comes from the
session's counter with one ``UPDATE … RETURNING`` (no scan of the waitlist). The session row
is locked only where a count must stay true until commit: the per-school quota, and
cancellation / approval (which promote from the waitlist in order).
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.network import rules
from yiwang.network.context import viewer_context
from yiwang.network.enums import Capability
from yiwang.network.models import School

from .. import selectors
from ..enums import ACTIVE_SIGN_UP_STATUSES, ClassStatus, SignUpStatus
from ..models import Session, SignUp
from .common import _fmt, _session_url, cancel_cutoff

SIGN_UP_TRANSITIONS = {
    SignUpStatus.PENDING: {
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
        SignUpStatus.REJECTED,
        SignUpStatus.CANCELLED,
    },
    SignUpStatus.CONFIRMED: {SignUpStatus.CANCELLED},
    SignUpStatus.WAITLISTED: {SignUpStatus.CONFIRMED, SignUpStatus.CANCELLED},
    SignUpStatus.CANCELLED: set(),
    SignUpStatus.REJECTED: set(),
}


def _check_transition(entry: SignUp, *targets: str, refusal: str) -> None:
    """Refuse (changing nothing) unless ``entry`` may move to every one of ``targets``."""
    allowed = SIGN_UP_TRANSITIONS.get(entry.status, set())
    if not all(to in allowed for to in targets):
        raise ConflictError(refusal)


# ---- seats and the waitlist -----------------------------------------------------------------


def take_seat(session: Session) -> bool:
    """Take one visiting seat: a conditional UPDATE that cannot pass the seat count."""
    taken = Session.objects.filter(pk=session.pk, seats_taken__lt=F("visiting_seats")).update(
        seats_taken=F("seats_taken") + 1
    )
    return taken == 1


def release_seat(session: Session) -> None:
    Session.objects.filter(pk=session.pk, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def take_waitlist_position(session: Session) -> int:
    """The next waitlist number of the session: one ``UPDATE … RETURNING`` on its counter."""
    table = connection.ops.quote_name(Session._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET waitlist_last = waitlist_last + 1 WHERE id = %s RETURNING waitlist_last",
            [session.pk],
        )
        return cursor.fetchone()[0]


def lock_session(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)


def lock_person(user) -> None:
    """Serialise one person's sign-ups so two overlapping ones can't slip in side by side."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).order_by().values_list("pk"))


def promote_waitlist(session: Session) -> list[SignUp]:
    """Fill free seats from the waitlist, in order. Call with the session row locked."""
    promoted = []
    for entry in session.sign_ups.filter(status=SignUpStatus.WAITLISTED).order_by(
        "waitlist_position", "created_at"
    ):
        if not take_seat(session):
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


def notify_promoted(promoted: list[SignUp]) -> None:
    for entry in promoted:
        notify(
            [entry.user],
            title=f"候补递补成功：{entry.session.title}",
            body=f"有人取消报名，您已从候补递补为正式旁听：《{entry.session.title}》，{_fmt(entry.session.starts_at)}，"
            f"地点 {entry.session.place or '待定'}。",
            url=_session_url(entry.session),
        )


# ---- sign-up --------------------------------------------------------------------------------


def home_school_of(user) -> School:
    """The school a visitor signs up for: their teacher membership first, else any membership
    (active memberships of active schools, lowest school id first; read from the viewer context)."""
    context = viewer_context(user)
    teaching = context.schools_with(Capability.TEACHER)
    candidates = teaching or sorted(context.school_ids)
    if not candidates:
        raise PermissionDeniedError("您不属于任何党校，不能报名旁听。")
    # what a sign-up shows of the school (its code) and the quota message (its short name)
    return School.objects.only("code", "short_name").get(pk=candidates[0])


def _check_open_for_sign_up(session: Session, now: datetime) -> None:
    status = session.training_class.status
    if status == ClassStatus.DRAFT:
        raise DomainError("班次尚未发布，不能报名。", code="not_published")
    if status == ClassStatus.FINISHED:
        raise DomainError("该班次已结束，不能报名。", code="finished")
    if session.is_cancelled:
        raise DomainError("该课程已取消，不能报名。", code="cancelled")
    if session.training_class.is_programme:
        raise DomainError("该班次为整期报名，请在班次页面报名整期课程。", code="programme")
    if not session.is_open:
        raise DomainError("该课程不开放旁听。", code="not_open")
    if session.signup_opens_at and now < session.signup_opens_at:
        raise DomainError(f"报名尚未开始，将于 {_fmt(session.signup_opens_at)} 开放。", code="window_closed")
    closes = session.signup_closes_at or session.starts_at
    if now >= closes:
        raise DomainError(f"报名已于 {_fmt(closes)} 截止。", code="window_closed")


def _check_no_clash(session: Session, user) -> None:
    """One query for both refusals: already signed up here, or for a session at the same time."""
    clashes = list(
        SignUp.objects.filter(user=user, status__in=ACTIVE_SIGN_UP_STATUSES)
        .filter(
            Q(session=session)
            | Q(
                session__is_cancelled=False,
                session__starts_at__lt=session.ends_at,
                session__ends_at__gt=session.starts_at,
            )
        )
        .order_by("id")
        .values_list("session_id", "status", "session__title", "session__starts_at", "session__ends_at")
    )
    existing = next((c for c in clashes if c[0] == session.pk), None)
    if existing is not None:
        raise ConflictError(
            f"您已报名这堂课（当前状态：{SignUpStatus(existing[1]).label}），无需重复报名。",
            code="already_signed_up",
        )
    if clashes:
        _, _, title, starts_at, ends_at = clashes[0]
        raise ConflictError(
            f"您已报名同一时间的课程《{title}》（{_fmt(starts_at)}–"
            f"{timezone.localtime(ends_at):%H:%M}），不能同时报名时间重叠的课程。",
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


def sign_up(*, by, session_id, now: datetime | None = None) -> SignUp:
    """Sign ``by`` up to audit a session: confirmed while seats last, else waitlisted;
    pending first where the session needs the home school's approval.

    A confirmed sign-up costs, inside the transaction: the person lock, one clash query,
    the seat UPDATE, the insert and the audit record (a waitlisted one adds the counter UPDATE).
    """
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录后再报名。")
    session = selectors.access_session_for_sign_up(by, session_id)
    home = home_school_of(by)
    _check_open_for_sign_up(session, now or timezone.now())
    try:
        with transaction.atomic():
            lock_person(by)
            _check_no_clash(session, by)
            if session.quota_per_school is not None:
                # the count of the school's sign-ups must hold until commit
                session = lock_session(session)
                _check_school_quota(session, home)
            entry = SignUp(session=session, user=by, home_school=home)
            if session.requires_approval:
                entry.status = SignUpStatus.PENDING
            elif take_seat(session):
                entry.status = SignUpStatus.CONFIRMED
            else:
                entry.status = SignUpStatus.WAITLISTED
                entry.waitlist_position = take_waitlist_position(session)
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


# ---- cancellation ---------------------------------------------------------------------------


def _own_sign_up(by, sign_up_id) -> SignUp:
    entry = (
        SignUp.objects.select_related("session__training_class").filter(pk=sign_up_id, user_id=by.pk).first()
        if getattr(by, "is_authenticated", False)
        else None
    )
    if entry is None:
        raise NotFoundError()
    return entry


def _refuse_cancel(entry: SignUp) -> str:
    return f"该报名{entry.get_status_display()}，无需再取消。"


def cancel_sign_up(*, by, sign_up_id, now: datetime | None = None) -> SignUp:
    """Cancel one's own sign-up until the cutoff; a freed seat goes to the next on the waitlist."""
    entry = _own_sign_up(by, sign_up_id)
    now = now or timezone.now()
    _check_transition(entry, SignUpStatus.CANCELLED, refusal=_refuse_cancel(entry))
    if entry.enrolment_id is not None:
        raise ConflictError("这节课随整期报名确认，请在班次页面取消整期报名。", code="programme")
    cutoff = entry.session.starts_at - cancel_cutoff()
    if now >= cutoff and not entry.session.is_cancelled:
        hours = cancel_cutoff().total_seconds() / 3600
        raise DomainError(
            f"开课前 {hours:g} 小时内不能取消报名（截止 {_fmt(cutoff)}），如有变化请联系主办学校。",
            code="cutoff_passed",
        )
    with transaction.atomic():
        session = lock_session(entry.session)
        entry = SignUp.objects.select_for_update().get(pk=entry.pk)
        _check_transition(entry, SignUpStatus.CANCELLED, refusal=_refuse_cancel(entry))
        was = entry.status
        entry.status, entry.waitlist_position, entry.cancelled_at = SignUpStatus.CANCELLED, None, now
        entry.save(update_fields=["status", "waitlist_position", "cancelled_at"])
        promoted = []
        if was == SignUpStatus.CONFIRMED:
            release_seat(session)
            promoted = promote_waitlist(session)
        record_audit(
            actor=by,
            action="sign_up.cancelled",
            obj=entry,
            school=entry.home_school,
            before={"status": was},
            after={"status": SignUpStatus.CANCELLED},
        )
        notify_promoted(promoted)
    return entry


# ---- the home school's approval -------------------------------------------------------------


def _pending_for_approver(by, sign_up_id) -> SignUp:
    entry = (
        SignUp.objects.select_related("session__training_class", "user", "home_school")
        .filter(pk=sign_up_id)
        .first()
    )
    if entry is None or entry.home_school_id not in rules.class_runner_school_ids(by):
        raise NotFoundError()
    _check_transition(
        entry,
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
        SignUpStatus.REJECTED,
        refusal=f"该报名当前为“{entry.get_status_display()}”，不在待审批状态。",
    )
    return entry


def approve_sign_up(*, by, sign_up_id) -> SignUp:
    """The home school approves: the seat is taken now, or the visitor joins the waitlist."""
    entry = _pending_for_approver(by, sign_up_id)
    with transaction.atomic():
        session = lock_session(entry.session)
        entry = SignUp.objects.select_for_update().get(pk=entry.pk)
        _check_transition(entry, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, refusal="该报名已被处理。")
        if take_seat(session):
            entry.status = SignUpStatus.CONFIRMED
        else:
            entry.status, entry.waitlist_position = SignUpStatus.WAITLISTED, take_waitlist_position(session)
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
        _check_transition(entry, SignUpStatus.REJECTED, refusal="该报名已被处理。")
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

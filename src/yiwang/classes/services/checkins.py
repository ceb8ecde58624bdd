"""Check-in (签到) through a session's QR link: credits the session's hours to the visitor's record."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

from .. import tokens
from ..enums import ACTIVE_SIGN_UP_STATUSES, SignUpStatus
from ..models import CheckIn, Session, SignUp
from .common import _fmt, _setting


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

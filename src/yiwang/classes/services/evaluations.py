"""评课 through a session's QR link, signed in or not: one rating per person per session.

An anonymous rating needs a one-time ticket (``RatingTicket``) issued when the device opens the
session's QR rating page; the ticket is stored hashed, bound to the session, used once and expires
when rating closes. It is only marked used, never linked to the rating, so ratings stay anonymous.
"""

import secrets
from datetime import datetime

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.errors import ConflictError, DomainError
from yiwang.core.secret_keys import key_hash

from .. import tokens
from ..enums import INDICATOR_MAX, INDICATORS, SignUpStatus
from ..models import Evaluation, RatingTicket, Session
from .common import _setting


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429


TICKET_SALT = "yiwang.classes.rating-ticket.v2"
BAD_TICKET_MESSAGE = "评课凭证无效，请重新扫描教室里的二维码，打开评课页面后再提交。"
USED_TICKET_MESSAGE = "这张评课凭证已使用过，请重新扫描二维码打开评课页面。"
EXPIRED_TICKET_MESSAGE = "评课凭证已过期，请重新扫描二维码打开评课页面。"


def _count_hit(prefix: str, ip: str | None, limit: int, window: int, message: str) -> None:
    key = f"yiwang:classes:{prefix}:{ip or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimitedError(message)


def issue_rating_ticket(session: Session, *, ip: str | None = None) -> str:
    """A new one-time rating ticket for the device that opened ``session``'s QR rating page.

    Issuing is rate limited per client address in the shared cache (``CLASSES_RATING_TICKET_IP_LIMIT``
    per ``CLASSES_RATING_IP_WINDOW_SECONDS``); a RateLimitedError when exceeded.
    """
    _count_hit(
        "rating-ticket-ip",
        ip,
        int(_setting("CLASSES_RATING_TICKET_IP_LIMIT", 120)),
        int(_setting("CLASSES_RATING_IP_WINDOW_SECONDS", 600)),
        "评课页面打开过于频繁，请稍后刷新页面。",
    )
    secret = secrets.token_urlsafe(24)
    RatingTicket.objects.create(
        session=session, digest=key_hash(secret), expires_at=tokens.qr_window(session)[1]
    )
    return signing.Signer(salt=TICKET_SALT).sign(f"{session.pk}:{secret}")


def rating_ticket_for_qr(*, qr: str, ip: str | None = None) -> str:
    """A one-time rating ticket for a client (the API's "open the rating page") holding the QR token."""
    session = (
        Session.objects.select_related("training_class").filter(pk=tokens.session_id_from_qr(qr)).first()
    )
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    if session.is_cancelled:
        raise DomainError("该课程已取消，不能评课。", code="cancelled")
    tokens.check_qr_window(session)
    return issue_rating_ticket(session, ip=ip)


def _redeem_ticket(ticket: str, session: Session, now: datetime) -> None:
    """Mark the ticket used (inside the caller's transaction), or refuse a missing/forged/foreign/
    used/expired one with a Chinese DomainError."""
    try:
        session_part, secret = signing.Signer(salt=TICKET_SALT).unsign(ticket or "").split(":", 1)
        session_id = int(session_part)
    except (signing.BadSignature, ValueError):
        raise DomainError(BAD_TICKET_MESSAGE, code="bad_ticket") from None
    row = (
        RatingTicket.objects.select_for_update()
        .filter(digest=key_hash(secret), session_id=session.pk)
        .first()
    )
    if session_id != session.pk or row is None:
        raise DomainError(BAD_TICKET_MESSAGE, code="bad_ticket")
    if row.used_at is not None:
        raise ConflictError(USED_TICKET_MESSAGE, code="used_ticket")
    if row.expires_at < now:
        raise DomainError(EXPIRED_TICKET_MESSAGE, code="expired_ticket")
    RatingTicket.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)


def real_rating_count(session: Session) -> int:
    """Ratings that could be real: by a signed-in rater, or allowed by a redeemed ticket."""
    return (
        session.evaluations.filter(rater_user__isnull=False).count()
        + session.rating_tickets.filter(used_at__isnull=False).count()
    )


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
    _count_hit(
        "rating-ip",
        ip,
        int(_setting("CLASSES_RATING_IP_LIMIT", 60)),
        int(_setting("CLASSES_RATING_IP_WINDOW_SECONDS", 600)),
        "评课提交过于频繁，请稍后再试。",
    )


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
    ticket: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """评课 through the session's QR link, signed in or not: one rating per person per session.

    A rater who is not signed in needs a one-time ``ticket`` from ``issue_rating_ticket``. Ratings
    are anonymous by design, so no audit record (which carries the IP) is written.
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
    if (now or timezone.now()) > tokens.qr_window(session)[1]:
        raise DomainError("这堂课已结束，二维码已失效。", code="bad_qr")
    signed_in = getattr(user, "is_authenticated", False)
    if not signed_in and not ticket:
        raise DomainError(BAD_TICKET_MESSAGE, code="bad_ticket")
    fingerprint = tokens.rater_fingerprint(session.pk, user=user, device_id=device_id)
    try:
        with transaction.atomic():
            session = Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)
            if Evaluation.objects.filter(session=session, rater_fingerprint=fingerprint).exists():
                raise ConflictError("您已评价过这堂课，每人每堂课只能评价一次。", code="already_rated")
            if not signed_in:
                _redeem_ticket(ticket, session, now or timezone.now())
            # A redeemed ticket already counts this rating; a signed-in one is not yet counted.
            if real_rating_count(session) + (1 if signed_in else 0) > rating_cap(session):
                raise DomainError("这堂课的评价数量已达上限，如有疑问请联系主办学校。", code="rating_cap")
            rater = user if signed_in else None
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

"""评课 through a session's QR link, signed in or not: one rating per person per session."""

from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.errors import ConflictError, DomainError

from .. import tokens
from ..enums import INDICATOR_MAX, INDICATORS, SignUpStatus
from ..models import Evaluation, Session
from .common import _setting


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429


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

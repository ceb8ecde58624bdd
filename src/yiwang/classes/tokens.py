"""Signed values of the open classroom: the session's QR token (签到/评课二维码), the
rating ticket bound to a device, rater fingerprints and the QR images."""

import hashlib
import io
import secrets
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.core import signing
from django.utils import timezone

from yiwang.core.errors import DomainError

QR_SALT = "yiwang.classes.session-qr.v2"
DEVICE_COOKIE = "yw_rater"
DEVICE_COOKIE_SALT = "yiwang.classes.device"
BAD_QR_MESSAGE = "二维码无效或已过期，请重新扫描教室里展示的二维码。"


def qr_token(session) -> str:
    """The signed token of the session's QR code. It carries no time of its own: it is valid in the
    session's QR window (``qr_window``), so it can be printed and put up in advance, and a
    moved session's code follows the new time."""
    return signing.Signer(salt=QR_SALT).sign(str(session.pk))


def session_id_from_qr(token: str) -> int:
    """The session id inside a QR token, or a DomainError for a forged one."""
    try:
        value = signing.Signer(salt=QR_SALT).unsign(token or "")
        return int(value)
    except (signing.BadSignature, ValueError):
        raise DomainError(BAD_QR_MESSAGE, code="bad_qr") from None


def qr_window(session) -> tuple[datetime, datetime]:
    """When a session's QR code works: from shortly before it starts (``CLASSES_QR_OPENS_MINUTES``,
    default the check-in's early minutes) until a while after it ends, for ratings on the way
    out (``CLASSES_QR_AFTER_END_MINUTES``, default 120)."""
    early = int(
        getattr(settings, "CLASSES_QR_OPENS_MINUTES", getattr(settings, "CLASSES_CHECKIN_EARLY_MINUTES", 60))
    )
    after = int(getattr(settings, "CLASSES_QR_AFTER_END_MINUTES", 120))
    return session.starts_at - timedelta(minutes=early), session.ends_at + timedelta(minutes=after)


def check_qr_window(session, now: datetime | None = None) -> None:
    opens, closes = qr_window(session)
    now = now or timezone.now()
    if now < opens:
        raise DomainError(
            f"二维码将于 {timezone.localtime(opens):%m月%d日 %H:%M} 启用（开课前 {int((session.starts_at - opens).total_seconds() // 60)} 分钟）。",
            code="qr_not_yet",
        )
    if now > closes:
        raise DomainError("这堂课已结束，二维码已失效。", code="bad_qr")


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def rater_fingerprint(session_id: int, *, user=None, device_id: str = "") -> str:
    """One-way identifier of a rater for one session: by account if signed in, else by device."""
    if user is not None and getattr(user, "is_authenticated", False):
        who = f"user:{user.pk}"
    elif device_id:
        who = f"device:{device_id}"
    else:
        raise DomainError("无法识别评价设备，请允许浏览器保存 Cookie 后重试。", code="no_device")
    secret = settings.SECRET_KEY.encode()
    return hashlib.sha256(secret + f"|{session_id}|{who}".encode()).hexdigest()


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=True, svgns=True)
    return out.getvalue()


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()

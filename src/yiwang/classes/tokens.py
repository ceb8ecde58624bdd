"""Signed values of the open classroom: the session's QR token (签到/评课二维码), the
rating ticket bound to a device, rater fingerprints and the QR images."""

import hashlib
import io
import secrets

import segno
from django.conf import settings
from django.core import signing

from yiwang.core.errors import DomainError

QR_SALT = "yiwang.classes.session-qr"
TICKET_SALT = "yiwang.classes.rating-ticket"
DEVICE_COOKIE = "yw_rater"
DEVICE_COOKIE_SALT = "yiwang.classes.device"
BAD_QR_MESSAGE = "二维码无效或已过期，请重新扫描教室里展示的二维码。"


def qr_max_age_seconds() -> int:
    return int(getattr(settings, "CLASSES_QR_MAX_AGE_HOURS", 24)) * 3600


def qr_token(session) -> str:
    """A fresh signed token for the session's QR code; it expires after CLASSES_QR_MAX_AGE_HOURS."""
    return signing.TimestampSigner(salt=QR_SALT).sign(str(session.pk))


def session_id_from_qr(token: str) -> int:
    """The session id inside a QR token, or a DomainError for a forged or expired one."""
    try:
        value = signing.TimestampSigner(salt=QR_SALT).unsign(token or "", max_age=qr_max_age_seconds())
        return int(value)
    except (signing.BadSignature, ValueError):
        raise DomainError(BAD_QR_MESSAGE, code="bad_qr") from None


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def rating_ticket(session_id: int, device_id: str) -> str:
    """Signed proof that this device opened this session's rating page through its QR link."""
    return signing.TimestampSigner(salt=TICKET_SALT).sign(f"{session_id}:{device_id}")


def check_rating_ticket(ticket: str, session_id: int, device_id: str) -> None:
    try:
        value = signing.TimestampSigner(salt=TICKET_SALT).unsign(ticket or "", max_age=qr_max_age_seconds())
    except signing.BadSignature:
        raise DomainError("评课表单已失效，请重新扫描二维码后再提交。", code="bad_ticket") from None
    if value != f"{session_id}:{device_id}":
        raise DomainError("评课表单已失效，请重新扫描二维码后再提交。", code="bad_ticket")


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

"""Private iCal feed keys (日历订阅): created (shown once), revoked, looked up by key."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from yiwang.activity.services import record_audit
from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.visibility import access

from ..enums import FeedKind
from ..models import CalendarToken


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

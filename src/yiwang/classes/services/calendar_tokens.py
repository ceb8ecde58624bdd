"""Private iCal feed keys (日历订阅): created (shown once), revoked, looked up by key."""

from django.db import transaction

from yiwang.activity.services import record_audit
from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.secret_keys import key_hash, live_token, new_key, revoke_own
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.visibility import access

from ..enums import FeedKind
from ..models import CalendarToken

FEED_MISSING = "订阅不存在或已撤销。"


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
    key = new_key("cal_")
    with transaction.atomic():
        token = CalendarToken.objects.create(
            kind=kind,
            user=by,
            key_hash=key_hash(key),
            prefix=key[:10],
            teacher=teacher if kind == FeedKind.TEACHER else None,
            school=school if kind == FeedKind.SCHOOL else None,
        )
        record_audit(actor=by, action="calendar_token.created", obj=token)
    return token, key


def revoke_calendar_token(*, by, token_id) -> CalendarToken:
    with transaction.atomic():
        token = revoke_own(
            CalendarToken.objects.all(), user_id=by.pk, token_id=token_id, missing=NotFoundError(FEED_MISSING)
        )
        record_audit(actor=by, action="calendar_token.revoked", obj=token)
    return token


def calendar_token_for_key(key: str) -> CalendarToken | None:
    return live_token(CalendarToken.objects.select_related("user", "teacher", "school"), key)

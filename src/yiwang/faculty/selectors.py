"""Reads on the faculty bank. Every read goes through the visibility rule."""

from django.db.models import Prefetch, Q, QuerySet

from yiwang.banks import text_filter
from yiwang.banks.filters import active_filter
from yiwang.core.errors import NotFoundError
from yiwang.core.validators import clean_query
from yiwang.network.context import remember, viewer_context
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import owner_school_filter
from yiwang.network.visibility import visible_to

from .models import Teacher

TEACHER_SORTS = {
    "name": ("name_pinyin", "id"),
    "-updated": ("-updated_at", "-id"),
    "school": ("owner_school__code", "name_pinyin", "id"),
    "title": ("title", "name_pinyin", "id"),
}
TEACHER_SORT_LABELS = {"name": "按姓名拼音", "-updated": "最近更新", "school": "按学校", "title": "按职称"}
STATUS_LABELS = {"active": "在职", "retired": "已停用", "all": "全部"}


def _with_status(qs: QuerySet, viewer, status: str) -> QuerySet:
    """Retired teachers are shown only to their owner school's staff (who filter by status)."""
    return active_filter(qs, status, lambda: staff_school_ids(viewer))


def teachers_visible_to(
    viewer,
    *,
    school=None,
    q: str = "",
    title: str = "",
    department: str = "",
    invited: bool | None = None,
    status: str = "active",
    sort: str = "name",
) -> QuerySet:
    """Teachers ``viewer`` may see, filtered. ``school``: a School, its id or its code."""
    qs = visible_to(Teacher.objects.select_related("owner_school"), viewer)
    qs = _with_status(qs, viewer, status)
    if school:
        qs = qs.filter(**owner_school_filter(school))
    q = clean_query(q)
    if q:
        lowered = q.lower()
        pinyin = Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered)
        fallback = Q(name__contains=q) | Q(expertise__contains=q)
        # retired teachers (not in the index) are seen only by their school's staff: read them by school
        schools = staff_school_ids(viewer) if status in ("retired", "all") else []
        unindexed = Q(is_active=False, owner_school_id__in=schools) if schools else None
        qs = text_filter.apply(qs, "teacher", q, fallback, unindexed=unindexed, also=pinyin)
    if title:
        qs = qs.filter(title=title)
    if department:
        qs = qs.filter(department__contains=department)
    if invited is not None:
        qs = qs.filter(is_invited=invited)
    return qs.order_by(*TEACHER_SORTS.get(sort, TEACHER_SORTS["name"]))


def access_teacher(viewer, pk) -> Teacher:
    """One teacher the viewer may see (retired ones only for the owner's staff); else NotFoundError."""
    try:
        return teachers_visible_to(viewer, status="all").get(pk=pk)
    except (Teacher.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


# -- contact details: masked outside the owner school ---------------------------------


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; short numbers keep only the last two digits."""
    digits = phone or ""
    if not digits:
        return ""
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****" + digits[-2:]


def mask_email(email: str) -> str:
    """zhang@example.com → z***@example.com."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def sees_contact(viewer, teacher: Teacher) -> bool:
    return teacher.owner_school_id in viewer_context(viewer).school_ids


def with_contacts(teachers, viewer):
    """Set ``shown_phone`` / ``shown_email`` on each teacher: full inside the owner school, masked outside."""
    for teacher in teachers:
        full = sees_contact(viewer, teacher)
        teacher.shown_phone = teacher.phone if full else mask_phone(teacher.phone)
        teacher.shown_email = teacher.email if full else mask_email(teacher.email)
    return teachers


def own_teacher_id(viewer) -> int | None:
    """The id of the viewer's own teacher profile, if any (kept in the per-request viewer context)."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    return remember(
        viewer,
        "own_teacher_id",
        # by id, not the model's name order: the person's own rows through the user index
        lambda: Teacher.objects.filter(user=viewer).order_by("pk").values_list("pk", flat=True).first(),
    )


def visible_teachers_prefetch(viewer, lookup: str = "teachers") -> Prefetch:
    """An item's teachers, limited to those the viewer may see (no names leak through a shared item)."""
    return Prefetch(
        lookup,
        queryset=visible_to(Teacher.objects.select_related("owner_school"), viewer).order_by(
            "name_pinyin", "id"
        ),
    )

"""Reads on the topic bank. Every read goes through the visibility rule."""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet

from yiwang.banks import text_filter
from yiwang.banks.filters import common_filters
from yiwang.core.errors import NotFoundError
from yiwang.core.validators import clean_query
from yiwang.faculty.profile import PROFILE_LIMIT
from yiwang.faculty.selectors import own_teacher_id, visible_teachers_prefetch
from yiwang.network.rules import staff_school_ids
from yiwang.network.visibility import visible_to

from .enums import PublicationStatus
from .models import Topic, TopicAudience

TOPIC_SORTS = {
    "-updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
    "-hours": ("-hours", "-id"),
    "-created": ("-created_at", "-id"),
}
TOPIC_SORT_LABELS = {
    "-updated": "最近更新",
    "-created": "最新添加",
    "title": "按讲题名称",
    "-hours": "课时从多到少",
}


# Topics the search index does not hold (it holds the published ones): matched by substring.
UNINDEXED_STATUSES = (PublicationStatus.DRAFT, PublicationStatus.RETIRED)


def editor_q(viewer) -> Q:
    """Topics the viewer may edit: their school's staff, or a teacher among the topic's teachers."""
    condition = Q(owner_school_id__in=staff_school_ids(viewer))
    mine = own_teacher_id(viewer)
    if mine is not None:
        condition |= Exists(Topic.teachers.through.objects.filter(topic_id=OuterRef("pk"), teacher_id=mine))
    return condition


def _unindexed_seen_by(viewer) -> Q | None:
    """The topics the search index does not hold that ``viewer`` may see — their school's drafts
    and retired topics, and the drafts they teach — as conditions an index answers (owner school
    and status; the teacher's links), so a list's ``q`` never scans every draft of the network.
    ``None``: the viewer sees none."""
    parts = []
    schools = staff_school_ids(viewer)
    if schools:
        parts.append(Q(owner_school_id__in=schools, status__in=UNINDEXED_STATUSES))
    mine = own_teacher_id(viewer)
    if mine is not None:
        taught = Topic.teachers.through.objects.filter(teacher_id=mine).values("topic_id")
        parts.append(Q(status=PublicationStatus.DRAFT, pk__in=taught))
    return reduce(or_, parts) if parts else None


def _with_status(qs: QuerySet, viewer, status: str) -> QuerySet:
    """Published topics for everyone who may see them; drafts only for their editors; retired ones only
    for the owner school's staff (who filter by status)."""
    published = Q(status=PublicationStatus.PUBLISHED)
    drafts = Q(status=PublicationStatus.DRAFT) & editor_q(viewer)
    retired = Q(status=PublicationStatus.RETIRED, owner_school_id__in=staff_school_ids(viewer))
    if status == PublicationStatus.PUBLISHED:
        return qs.filter(published)
    if status == PublicationStatus.DRAFT:
        return qs.filter(drafts)
    if status == PublicationStatus.RETIRED:
        return qs.filter(retired)
    if status == "all":
        return qs.filter(published | drafts | retired)
    return qs.filter(published | drafts)


def topics_visible_to(
    viewer,
    *,
    school=None,
    module=None,
    category: str = "",
    form: str = "",
    audience: str = "",
    status: str = "",
    year: int | None = None,
    q: str = "",
    teacher=None,
    sort: str = "-updated",
) -> QuerySet:
    """Topics ``viewer`` may see, filtered and sorted (the search app does real text search)."""
    qs = visible_to(Topic.objects.select_related("owner_school", "module"), viewer)
    qs = common_filters(
        _with_status(qs, viewer, status), school=school, module=module, year=year, teacher=teacher
    )
    if category:
        qs = qs.filter(category=category)
    if form:
        qs = qs.filter(form=form)
    if audience:
        qs = qs.filter(Exists(TopicAudience.objects.filter(topic_id=OuterRef("pk"), audience=audience)))
    q = clean_query(q)
    if q:
        unindexed = None if status == PublicationStatus.PUBLISHED else _unindexed_seen_by(viewer)
        qs = text_filter.apply(qs, "topic", q, Q(title__contains=q), unindexed=unindexed)
    return qs.prefetch_related(visible_teachers_prefetch(viewer), "audience_links").order_by(
        *TOPIC_SORTS.get(sort, TOPIC_SORTS["-updated"])
    )


def access_topic(viewer, pk) -> Topic:
    """One topic the viewer may see (retired ones only for the owner's staff); else NotFoundError."""
    try:
        return topics_visible_to(viewer, status="all").get(pk=pk)
    except (Topic.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def topics_of_teacher(viewer, teacher) -> list[Topic]:
    """The teacher profile's 讲题 section: what this viewer may see of the teacher's topics."""
    return list(topics_visible_to(viewer, teacher=teacher)[:PROFILE_LIMIT])

"""Reads on the course bank. Every read of courses and materials goes through the visibility rule.

On top of the sharing scope, a course's status decides who sees it: 发布 and 精品课
courses are shown to everyone within the scope; 草稿, 审核中 and 停用 ones only to the
staff of the owner school and of the co-building schools (its editors).
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from yiwang.banks import text_filter
from yiwang.banks.filters import common_filters
from yiwang.core.errors import NotFoundError
from yiwang.core.validators import clean_query
from yiwang.faculty.profile import PROFILE_LIMIT
from yiwang.faculty.selectors import visible_teachers_prefetch
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import owner_school_filter
from yiwang.network.visibility import visible_to

from .enums import CourseStatus
from .models import Course, CourseMaterial, TeachingModule

PUBLIC_STATUSES = [CourseStatus.PUBLISHED, CourseStatus.FEATURED]
# Courses the search index does not hold (it holds the public ones): matched by substring.
UNINDEXED_STATUSES = [CourseStatus.DRAFT, CourseStatus.REVIEW, CourseStatus.RETIRED]
COURSE_SORTS = {
    "-updated": ("-updated_at", "-id"),
    "-created": ("-created_at", "-id"),
    "title": ("title", "id"),
    "school": ("owner_school__code", "title", "id"),
}
COURSE_SORT_LABELS = {
    "-updated": "最近更新",
    "-created": "最新添加",
    "title": "按课程名称",
    "school": "按学校",
}
STATUS_FILTER_LABELS = {
    "": "已发布（含精品课）",
    **dict(CourseStatus.choices),
    "all": "全部（我可编辑的含草稿）",
}


def editor_q(viewer, prefix: str = "") -> Q:
    """Courses the viewer may edit: owned by, or co-built with, a school where they are staff."""
    schools = staff_school_ids(viewer)
    if not schools:
        return Q(pk__in=[])
    co_built = Course.co_schools.through.objects.filter(
        course_id=OuterRef(f"{prefix}pk"), school_id__in=schools
    )
    return Q(**{f"{prefix}owner_school_id__in": schools}) | Q(Exists(co_built))


def _unindexed_seen_by(viewer) -> Q | None:
    """The courses the search index does not hold (drafts, in review, retired) that ``viewer``
    may see — those of the schools where they are staff, owned or co-built — as conditions an
    index answers, so a list's ``q`` never scans every draft of the network. ``None``: none."""
    schools = staff_school_ids(viewer)
    if not schools:
        return None
    co_built = Course.co_schools.through.objects.filter(school_id__in=schools).values("course_id")
    return Q(status__in=UNINDEXED_STATUSES) & (Q(owner_school_id__in=schools) | Q(pk__in=co_built))


def _with_status(qs: QuerySet, viewer, status: str) -> QuerySet:
    if status in PUBLIC_STATUSES:
        return qs.filter(status=status)
    if status in CourseStatus.values:
        return qs.filter(editor_q(viewer), status=status)
    if status == "all":
        return qs.filter(Q(status__in=PUBLIC_STATUSES) | editor_q(viewer))
    return qs.filter(
        Q(status__in=PUBLIC_STATUSES)
        | (Q(status__in=[CourseStatus.DRAFT, CourseStatus.REVIEW]) & editor_q(viewer))
    )


def courses_visible_to(
    viewer,
    *,
    school=None,
    module=None,
    kind: str = "",
    status: str = "",
    year: int | None = None,
    q: str = "",
    teacher=None,
    sort: str = "-updated",
) -> QuerySet:
    """Courses ``viewer`` may see, filtered and sorted. ``school``: a School, its id or its code."""
    qs = visible_to(Course.objects.select_related("owner_school", "module"), viewer)
    qs = common_filters(
        _with_status(qs, viewer, status), school=school, module=module, year=year, teacher=teacher
    )
    if kind:
        qs = qs.filter(kind=kind)
    q = clean_query(q)
    if q:
        unindexed = None if status in PUBLIC_STATUSES else _unindexed_seen_by(viewer)
        fallback = Q(title__contains=q) | Q(place_name__contains=q) | Q(keywords__contains=q)
        qs = text_filter.apply(qs, "course", q, fallback, unindexed=unindexed)
    return qs.order_by(*COURSE_SORTS.get(sort, COURSE_SORTS["-updated"]))


def with_people(qs: QuerySet, viewer) -> QuerySet:
    """Prefetch what a list row shows: visible teachers and co-building schools."""
    return qs.prefetch_related(
        visible_teachers_prefetch(viewer), Prefetch("co_schools", queryset=School.objects.order_by("code"))
    )


def access_course(viewer, pk) -> Course:
    """One course the viewer may see (drafts and retired ones only for its editors); else NotFoundError."""
    try:
        return with_people(courses_visible_to(viewer, status="all"), viewer).get(pk=pk)
    except (Course.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


# -- materials ------------------------------------------------------------------------------


def material_history(course: Course) -> list[dict]:
    """Materials grouped by (kind, title): the newest version first, every earlier one kept."""
    groups: dict[tuple, dict] = {}
    for material in course.materials.select_related("uploaded_by").order_by("kind", "title", "-version"):
        key = (material.kind, material.title)
        if key not in groups:
            groups[key] = {
                "kind": material.get_kind_display(),
                "title": material.title,
                "latest": material,
                "versions": [],
            }
        groups[key]["versions"].append(material)
    return list(groups.values())


def access_material(viewer, pk) -> CourseMaterial:
    """A material of a course the viewer may see; else NotFoundError (also for forbidden ones)."""
    courses = courses_visible_to(viewer, status="all").values("pk")
    try:
        return CourseMaterial.objects.select_related("course").get(pk=pk, course__in=courses)
    except (CourseMaterial.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


# -- modules --------------------------------------------------------------------------------


def modules_for(viewer, *, school=None) -> QuerySet:
    """Every teaching module (names are visible to all signed-in users) with its visible course count."""
    qs = TeachingModule.objects.select_related("owner_school")
    if school:
        qs = qs.filter(**owner_school_filter(school))
    counted = (
        courses_visible_to(viewer)
        .filter(module_id=OuterRef("pk"))
        .order_by()
        .values("module_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(course_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def access_module(viewer, pk) -> TeachingModule:
    if not getattr(viewer, "is_authenticated", False):
        raise NotFoundError()
    try:
        return TeachingModule.objects.select_related("owner_school").get(pk=pk)
    except (TeachingModule.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def courses_of_teacher(viewer, teacher) -> list[Course]:
    """The teacher profile's 课程 section, through the course bank's own status rule."""
    return list(courses_visible_to(viewer, teacher=teacher)[:PROFILE_LIMIT])

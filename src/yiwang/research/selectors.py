"""Reads on the research bank. Every read goes through the visibility rule.

Endorsements (批示) and the files of outputs are visible exactly where their output
is; only verified endorsements count, and counts and rankings run over the
outputs the viewer may see.
"""

from datetime import date

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from yiwang.banks import text_filter
from yiwang.banks.filters import active_filter
from yiwang.core.errors import NotFoundError
from yiwang.core.validators import clean_query
from yiwang.faculty.models import Teacher
from yiwang.faculty.profile import PROFILE_LIMIT
from yiwang.faculty.selectors import visible_teachers_prefetch
from yiwang.network.models import School
from yiwang.network.rules import research_staff_school_ids
from yiwang.network.selectors import owner_school_filter
from yiwang.network.visibility import visible_q, visible_to

from .enums import LeaderLevel, ProjectStatus
from .models import Endorsement, ResearchMember, ResearchOutput, ResearchProject

PROJECT_SORTS = {
    "-start": ("-start_date", "-id"),
    "-updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
    "-funding": ("-funding", "-id"),
}
PROJECT_SORT_LABELS = {
    "-start": "开始日期（新→旧）",
    "-updated": "最近更新",
    "title": "按课题名称",
    "-funding": "经费从高到低",
}
OUTPUT_SORTS = {
    "-date": ("-published_on", "-id"),
    "-endorsements": ("-verified_count", "-published_on", "-id"),
    "title": ("title", "id"),
}
OUTPUT_SORT_LABELS = {"-date": "日期（新→旧）", "-endorsements": "批示数从多到少", "title": "按成果名称"}


def _year_range(year) -> tuple[date, date]:
    year = int(year)
    return date(year, 1, 1), date(year, 12, 31)


# -- projects ---------------------------------------------------------------------------------

# The project statuses the search index holds (``search.documents``): others match by substring.
INDEXED_PROJECT_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.ONGOING, ProjectStatus.CONCLUDED)
UNINDEXED_PROJECT_STATUSES = (ProjectStatus.APPLYING, ProjectStatus.TERMINATED)


def projects_visible_to(
    viewer,
    *,
    school=None,
    level: str = "",
    category: str = "",
    status: str = "",
    year: int | None = None,
    q: str = "",
    teacher=None,
    sort: str = "-start",
) -> QuerySet:
    """Projects ``viewer`` may see. ``year``: projects running during that year."""
    qs = visible_to(
        ResearchProject.objects.select_related("owner_school", "principal_investigator__owner_school"), viewer
    )
    if school:
        qs = qs.filter(**owner_school_filter(school))
    if level:
        qs = qs.filter(level=level)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if year:
        first, last = _year_range(year)
        qs = qs.filter(start_date__lte=last, end_date__gte=first)
    q = clean_query(q)
    if q:
        unindexed = None if status in INDEXED_PROJECT_STATUSES else Q(status__in=UNINDEXED_PROJECT_STATUSES)
        qs = text_filter.apply(
            qs, "project", q, Q(title__contains=q) | Q(keywords__contains=q), unindexed=unindexed
        )
    if teacher:
        teacher_id = getattr(teacher, "pk", teacher)
        qs = qs.filter(
            Q(principal_investigator_id=teacher_id)
            | Q(Exists(ResearchMember.objects.filter(project_id=OuterRef("pk"), teacher_id=teacher_id)))
        )
    return qs.order_by(*PROJECT_SORTS.get(sort, PROJECT_SORTS["-start"]))


def members_prefetch(viewer) -> Prefetch:
    """A project's members, limited to teachers the viewer may see (the rule on the joined
    teacher row: the cost follows the page's members, not the number of visible teachers)."""
    return Prefetch(
        "memberships",
        queryset=ResearchMember.objects.filter(visible_q(Teacher, viewer, "teacher__"))
        .select_related("teacher__owner_school")
        .order_by("role", "teacher__name_pinyin", "id"),
        to_attr="visible_memberships",
    )


def with_members(qs: QuerySet, viewer) -> QuerySet:
    return qs.prefetch_related(members_prefetch(viewer))


def access_project(viewer, pk) -> ResearchProject:
    try:
        return with_members(projects_visible_to(viewer), viewer).get(pk=pk)
    except (ResearchProject.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


# -- outputs ----------------------------------------------------------------------------------


def verified_count_annotation():
    """Verified endorsements of the output, as a correlated subquery (no GROUP BY over the whole list)."""
    counted = (
        Endorsement.objects.filter(output_id=OuterRef("pk"), verified_at__isnull=False)
        .order_by()
        .values("output_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _outputs_with_status(qs: QuerySet, viewer, status: str) -> QuerySet:
    """Retired (停用) outputs are shown only to their owner school's research staff."""
    return active_filter(qs, status, lambda: research_staff_school_ids(viewer))


def outputs_visible_to(
    viewer,
    *,
    school=None,
    kind: str = "",
    year: int | None = None,
    q: str = "",
    project=None,
    teacher=None,
    endorsed: bool | None = None,
    status: str = "",
    sort: str = "-date",
) -> QuerySet:
    """Outputs ``viewer`` may see, each annotated with ``verified_count`` (verified endorsements)."""
    qs = _outputs_with_status(
        visible_to(ResearchOutput.objects.select_related("owner_school", "project"), viewer), viewer, status
    )
    if school:
        qs = qs.filter(**owner_school_filter(school))
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        first, last = _year_range(year)
        qs = qs.filter(published_on__range=(first, last))
    q = clean_query(q)
    if q:
        fallback = Q(title__contains=q) | Q(keywords__contains=q) | Q(venue__contains=q)
        # retired outputs (not in the index) are seen only by their school's research staff
        schools = research_staff_school_ids(viewer) if status in ("retired", "all") else []
        unindexed = Q(is_active=False, owner_school_id__in=schools) if schools else None
        qs = text_filter.apply(qs, "output", q, fallback, unindexed=unindexed)
    if project:
        qs = qs.filter(project_id=getattr(project, "pk", project))
    if teacher:
        qs = qs.filter(authors=getattr(teacher, "pk", teacher))
    qs = qs.annotate(verified_count=verified_count_annotation(), project_visible=_project_visible(viewer))
    if endorsed is True:
        qs = qs.filter(verified_count__gt=0)
    elif endorsed is False:
        qs = qs.filter(verified_count=0)
    return qs.order_by(*OUTPUT_SORTS.get(sort, OUTPUT_SORTS["-date"]))


def with_authors(qs: QuerySet, viewer) -> QuerySet:
    return qs.prefetch_related(visible_teachers_prefetch(viewer, "authors"))


def access_output(viewer, pk) -> ResearchOutput:
    try:
        return with_authors(outputs_visible_to(viewer, status="all"), viewer).get(pk=pk)
    except (ResearchOutput.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def _project_visible(viewer):
    """Whether ``viewer`` may see an output's project, on the project row the list already
    joins (``select_related``) — a per-row condition; an ``EXISTS`` here lets PostgreSQL hash
    every visible project first (65 k rows, ~110 ms at 100 k items, issue 12 part 4)."""
    condition = visible_q(ResearchProject, viewer, prefix="project__")
    if not condition:  # sees everything
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(condition, output_field=BooleanField())


def project_outputs(viewer, project: ResearchProject) -> QuerySet:
    return outputs_visible_to(viewer, project=project)


# -- endorsements -----------------------------------------------------------------------------


def endorsements_visible_to(viewer, *, output=None, verified: bool | None = None) -> QuerySet:
    """Endorsements of outputs the viewer may see (retired outputs: their owner's research staff only)."""
    outputs = _outputs_with_status(visible_to(ResearchOutput.objects.all(), viewer), viewer, "all").values(
        "pk"
    )
    qs = Endorsement.objects.filter(output__in=outputs).select_related("output", "verified_by", "added_by")
    if output is not None:
        qs = qs.filter(output_id=getattr(output, "pk", output))
    if verified is True:
        qs = qs.filter(verified_at__isnull=False)
    elif verified is False:
        qs = qs.filter(verified_at__isnull=True)
    return qs.order_by("-endorsed_on", "-id")


def access_endorsement(viewer, pk) -> Endorsement:
    try:
        return endorsements_visible_to(viewer).get(pk=pk)
    except (Endorsement.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


# -- rankings ---------------------------------------------------------------------------------


def _level_counts(prefix: str = "endorsements__") -> dict:
    verified = Q(**{f"{prefix}verified_at__isnull": False})
    return {
        f"n_{level}": Count(
            f"{prefix}pk", filter=verified & Q(**{f"{prefix}leader_level": level}), distinct=True
        )
        for level in LeaderLevel.values
    }


def output_ranking(viewer, *, year: int | None = None, limit: int = 20) -> list[ResearchOutput]:
    """Visible outputs with the most verified endorsements (with a count per leader level)."""
    qs = outputs_visible_to(viewer, year=year).filter(verified_count__gt=0).annotate(**_level_counts())
    return list(qs.order_by("-verified_count", "-published_on", "-id")[:limit])


def school_ranking(viewer, *, year: int | None = None, limit: int = 20) -> list[dict]:
    """Schools by verified endorsements of their outputs — counted only over outputs the viewer may see."""
    outputs = outputs_visible_to(viewer, year=year).values("pk")
    rows = (
        Endorsement.objects.filter(output__in=outputs, verified_at__isnull=False)
        .values("output__owner_school")
        .annotate(
            total=Count("pk"),
            outputs=Count("output", distinct=True),
            **{f"n_{level}": Count("pk", filter=Q(leader_level=level)) for level in LeaderLevel.values},
        )
        .order_by("-total", "output__owner_school")
    )[:limit]
    rows = list(rows)
    schools = School.objects.in_bulk([r["output__owner_school"] for r in rows])
    return [{"school": schools[r["output__owner_school"]], **r} for r in rows]


def projects_of_teacher(viewer, teacher) -> list[ResearchProject]:
    """The teacher profile's 课题 section (as principal investigator or member)."""
    return list(projects_visible_to(viewer, teacher=teacher)[:PROFILE_LIMIT])


def outputs_of_teacher(viewer, teacher) -> list[ResearchOutput]:
    """The teacher profile's 成果 section, through the output's own status rule (no retired outputs)."""
    return list(outputs_visible_to(viewer, teacher=teacher)[:PROFILE_LIMIT])

"""Reads of 合备一门课. Every read of a project goes through ``projects_visible_to``.

Before publication a project is seen only by its team members and the staff of its schools
(lead and participating); once published, by whoever may see the published course (its
sharing scope). A reviewer sees only the round they review (``access_my_sheet``), never the
workspace; in a blind round without the team's names. An adoption is seen by its adopting
school's members and by the staff of the course's owner and co-building schools.
"""

import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, In
from django.utils import timezone

from yiwang.banks import text_filter
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.pagination import CappedPage, counted_page, paginate_capped
from yiwang.core.validators import clean_query
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course, CourseMaterial, TeachingModule
from yiwang.courses.selectors import PUBLIC_STATUSES, courses_visible_to, editor_q
from yiwang.network.context import viewer_context
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.visibility import visible_q
from yiwang.reviews.enums import SheetStatus
from yiwang.reviews.models import ReviewSheet
from yiwang.reviews.selectors import sheets_of, summarise
from yiwang.topics.enums import PublicationStatus as TopicStatus
from yiwang.topics.models import Topic
from yiwang.topics.selectors import topics_visible_to

from . import diffing
from .enums import STAGE_ORDER, RoundStatus, Stage, TaskStatus
from .models import (
    Adoption,
    Project,
    ProjectEvent,
    ProjectSchool,
    ProjectVisit,
    Release,
    ReviewRound,
    Task,
    TeamMember,
)

OPEN_STAGES = [s for s in STAGE_ORDER if s != Stage.PUBLISHED]
WORD = re.compile(r"\w+")  # the words of a list's ``q`` (punctuation and spaces between them)


class InIds(In):
    """``pk IN (subquery)``, written ``pk = ANY(ARRAY(subquery))`` on PostgreSQL.

    The subquery (the ids of the projects the viewer works on: a few thousand at most) is then
    read once as an init plan and the projects are fetched by primary key, instead of the
    semi-join the planner prices below them — a sequential scan of every project hashed
    against the ids (``random_page_cost`` 4 makes a few thousand key lookups look dearer).
    SQLite already answers ``IN (subquery)`` by rowid lookups; there it stays as is."""

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql":
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)


def _in_private(private: QuerySet) -> InIds:
    return InIds(F("pk"), private.query)


def _private_ids(viewer, staff) -> QuerySet:
    """Ids of the projects the viewer works on: a team member, or staff of a team school.
    Two index walks — ``TeamMember (user, project)`` and ``ProjectSchool (school, project)``."""
    mine = TeamMember.objects.filter(user=viewer).values("project_id")
    if not staff:
        return mine
    return mine.union(ProjectSchool.objects.filter(school_id__in=staff).values("project_id"))


def _course_rule_q(viewer, prefix: str = "") -> Q:
    """``courses_visible_to(viewer)`` as a condition: the sharing scope, then 发布/精品课, or
    草稿/审核中 for the course's editors — on ``Course`` itself, or through ``prefix``."""
    course_status = Q(**{f"{prefix}status__in": PUBLIC_STATUSES}) | (
        Q(**{f"{prefix}status__in": [CourseStatus.DRAFT, CourseStatus.REVIEW]})
        & editor_q(viewer, prefix=prefix)
    )
    return visible_q(Course, viewer, prefix=prefix) & course_status


def _course_visible_q(viewer) -> Q:
    """The project's course is one the viewer may see — ``courses_visible_to(viewer)``, applied
    through the project's own course row instead of a subquery over every visible course."""
    return _course_rule_q(viewer, prefix="course__")


def _published_q(viewer) -> Q:
    """Published, with a course the viewer may see (the OR branch of ``_visible_q``).

    Lower(stage): the values are lower-case already; a function keeps the planners from
    answering this OR branch with the stage index (SQLite's MULTI-INDEX OR, a PostgreSQL
    BitmapOr), which sorts every published project instead of walking the list order. Where
    the stage is filtered on its own (the merged list, the grid), ``_course_visible_q`` is used."""
    return Q(Exact(Lower("stage"), Stage.PUBLISHED)) & _course_visible_q(viewer)


def _visible_q(viewer, stage: str = "") -> Q:
    """The one rule: team member ∪ staff of a team school ∪ published with a visible course.
    A stage filter other than 发布 drops the published branch (it could match nothing)."""
    context = viewer_context(viewer)
    if not context.authenticated:
        return Q(pk__in=[])
    if context.sees_everything:
        return Q()
    q = Q(pk__in=_private_ids(viewer, staff_school_ids(viewer)))
    if stage in Stage.values and stage != Stage.PUBLISHED:
        return q
    return q | _published_q(viewer)


def projects_visible_to(
    viewer, *, module=None, stage: str = "", school=None, q: str = "", year: int | None = None
) -> QuerySet[Project]:
    """Projects ``viewer`` may see (the search and dashboards use this one selector)."""
    stage = stage if stage in Stage.values else ""
    qs = Project.objects.filter(_visible_q(viewer, stage)).select_related("module", "lead_school", "course")
    if module:
        qs = qs.filter(module_id=getattr(module, "pk", module))
    if stage:
        qs = qs.filter(stage=stage)
    if school:
        school_id = getattr(school, "pk", school)
        qs = qs.filter(Exists(ProjectSchool.objects.filter(project_id=OuterRef("pk"), school_id=school_id)))
    if year:
        qs = qs.filter(created_at__year=int(year))
    q = clean_query(q)
    if q:
        qs = _text_filtered(qs, q)
    return qs.order_by("-updated_at", "-id")


def projects_in_progress_visible_to(viewer) -> QuerySet[Project]:
    """The projects not yet published that ``viewer`` may see — exactly
    ``projects_visible_to(viewer)`` without the published ones, by the rule's private branch alone
    (the published branch cannot match them), so the database starts from the viewer's few team
    places instead of testing every project's course (the boards' 在建共建项目数)."""
    context = viewer_context(viewer)
    if not context.authenticated:
        return Project.objects.none()
    qs = Project.objects.exclude(stage=Stage.PUBLISHED)
    if context.sees_everything:
        return qs
    return qs.filter(pk__in=_private_ids(viewer, staff_school_ids(viewer)))


SEARCH_DOC_TYPE = "codev"  # the one search's document type of a published project
# the projects the one search indexes (``search.documents``): published, with a published course
INDEXED = Q(stage=Stage.PUBLISHED, course__status__in=PUBLIC_STATUSES)


def _text_filtered(qs: QuerySet, q: str) -> QuerySet:
    """The list's ``q`` (``banks.text_filter``): a published project through the one search's
    index (every word, simplified = traditional, a word inside a longer one); a project the
    search does not index (before publication, seen only by its team) by every word standing in
    its title or its course's title — the substring filter, also used for all when no matcher
    is registered. A ``q`` of punctuation only finds nothing. The rows stay those of ``qs``."""
    words = WORD.findall(q)
    if not words:
        return qs.none()
    substring = Q()
    for word in words:
        substring &= Q(title__contains=word) | Q(course__title__contains=word)
    return text_filter.apply(qs, SEARCH_DOC_TYPE, q, substring, unindexed=~INDEXED)


def access_project(viewer, pk) -> Project:
    try:
        return (
            projects_visible_to(viewer)
            .prefetch_related(Prefetch("schools", queryset=School.objects.order_by("code")))
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


GRID_CAP = 500  # a published cell counts at most this many (then "500+"), like the capped bank counts


class CappedCount(Subquery):
    """``(SELECT COUNT(*) FROM (<a sliced subquery>))``: how many rows the subquery gives, up to
    its ``LIMIT`` — a correlated count that stops after the cap (both databases)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


def grid_counts(viewer) -> tuple[dict[tuple[int, str], int], set[tuple[int, str]]]:
    """``{(module_id, stage): n}`` of the visible projects, and the cells whose count is capped.

    Two statements whatever the number of projects or modules: the projects the viewer works
    on, counted exactly by module and stage from the ``TeamMember`` and ``ProjectSchool``
    indexes (their course is read only for the published ones: whether its scope hides it);
    and, for each module that has published projects, the published ones whose course the
    viewer sees, counted up to ``GRID_CAP`` by a correlated capped count."""
    context = viewer_context(viewer)
    if not context.authenticated:
        return {}, set()
    if context.sees_everything:
        rows = Project.objects.order_by().values_list("module_id", "stage").annotate(n=Count("pk"))
        return {(m, st): n for m, st, n in rows}, set()
    private = _private_ids(viewer, staff_school_ids(viewer))
    # the viewer's own projects by module and stage; of the published ones, those whose course
    # the viewer could not see through its scope (they are not in the published counts below).
    # ``stage = 发布 AND NOT EXISTS (…)``: the course is looked up for the published rows only.
    seen = Exists(Course.objects.filter(_course_rule_q(viewer), pk=OuterRef("course_id")))
    counts, hidden = {}, {}
    for m, st, n, unseen in (
        Project.objects.filter(_in_private(private))
        .order_by()
        .values_list("module_id", "stage")
        .annotate(n=Count("pk"), unseen=Count("pk", filter=Q(stage=Stage.PUBLISHED) & ~seen))
    ):
        if st != Stage.PUBLISHED:
            counts[(m, st)] = n
        elif unseen:
            hidden[m] = unseen
    published = (
        Project.objects.filter(stage=Stage.PUBLISHED, module_id=OuterRef("pk"))
        .filter(_course_visible_q(viewer))
        .order_by()
        .values("pk")[: GRID_CAP + 1]
    )
    capped = set()
    for module_id, n in (
        TeachingModule.objects.filter(
            Exists(Project.objects.filter(module_id=OuterRef("pk"), stage=Stage.PUBLISHED))
        )
        .order_by()
        .annotate(n=CappedCount(published))
        .values_list("pk", "n")
    ):
        total = min(n, GRID_CAP) + hidden.get(module_id, 0)
        if total:
            counts[(module_id, Stage.PUBLISHED)] = total
        if n > GRID_CAP:
            capped.add((module_id, Stage.PUBLISHED))
    return counts, capped


def module_stage_grid(viewer, counts=None) -> list[dict]:
    """The 合备一门课 page: for each module, the visible projects counted by stage."""
    counts, capped = counts if counts is not None else grid_counts(viewer)
    modules = {
        m.pk: m for m in TeachingModule.objects.filter(pk__in={m for m, _ in counts}).only("name", "position")
    }
    result = []
    for module_id, module in modules.items():
        stages = {s: counts.get((module_id, s), 0) for s in STAGE_ORDER}
        if not any(stages.values()):
            continue
        result.append(
            {
                "module_id": module_id,
                "name": module.name,
                "position": module.position,
                "stages": stages,
                "cells": [(s, stages[s], (module_id, s) in capped) for s in STAGE_ORDER],
                "total": sum(stages.values()),
                "capped": any((module_id, s) in capped for s in STAGE_ORDER),
            }
        )
    return sorted(result, key=lambda r: (r["position"], r["module_id"]))


# What a list row shows (the 合备一门课 page and the API list): the rows are read with these
# columns only, their module and lead school joined, their schools prefetched (code, names).
LIST_ROW_FIELDS = (
    "title",
    "stage",
    "updated_at",
    "course_id",
    "module__name",
    "lead_school__code",
    "lead_school__name",
    "lead_school__short_name",
)


def _list_rows(qs: QuerySet) -> QuerySet:
    return (
        qs.select_related(None)
        .select_related("module", "lead_school")
        .only(*LIST_ROW_FIELDS)
        .prefetch_related(
            Prefetch("schools", queryset=School.objects.only("code", "name", "short_name").order_by("code"))
        )
    )


def _merged_rows(viewer, start: int, size: int, *, module, stage: str) -> list[Project]:
    """Rows ``start … start+size`` of the visible projects (newest first), read as the merge of
    the two branches of the rule, each an index walk in list order that stops after
    ``start+size`` rows: the projects the viewer works on, and the published ones whose course
    the viewer sees. One ``OR`` of the two would make the planners sort every published project
    instead. Not for a viewer who sees everything (``project_page`` reads those directly)."""
    wanted = start + size
    base = Project.objects.order_by("-updated_at", "-id")
    if module:
        base = base.filter(module_id=int(module))
    if stage:
        base = base.filter(stage=stage)
    private = _private_ids(viewer, staff_school_ids(viewer))
    keys = set(base.filter(_in_private(private)).values_list("updated_at", "pk")[:wanted])
    if stage in ("", Stage.PUBLISHED):
        published = base.filter(stage=Stage.PUBLISHED).filter(_course_visible_q(viewer))
        keys |= set(published.values_list("updated_at", "pk")[:wanted])
    ids = [pk for _, pk in sorted(keys, reverse=True)[start:wanted]]
    # both branches applied the visibility rule: read the page's rows by primary key
    found = _list_rows(Project.objects.all()).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def project_page(viewer, page, *, per_page: int = 50, counts=None, **filters) -> CappedPage:
    """One page of ``projects_visible_to(viewer, **filters)``. With no filter but module and
    stage the count is read from the grid's counts (no count over the visible projects);
    otherwise it is the capped count of the bank lists."""
    if any(filters.get(k) for k in ("school", "q", "year")):
        return paginate_capped(_list_rows(projects_visible_to(viewer, **filters)), page, per_page)
    counts, capped = counts if counts is not None else grid_counts(viewer)
    module = getattr(filters.get("module"), "pk", filters.get("module"))
    stage = filters.get("stage") if filters.get("stage") in Stage.values else ""
    chosen = [k for k in counts if (not module or k[0] == int(module)) and (not stage or k[1] == stage)]
    count = sum(counts[k] for k in chosen)
    is_capped = any(k in capped for k in chosen)
    context = viewer_context(viewer)
    if not context.authenticated or context.sees_everything:
        qs = _list_rows(projects_visible_to(viewer, **filters))

        def read(start, size):
            return list(qs[start : start + size])
    else:

        def read(start, size):
            return _merged_rows(viewer, start, size, module=module, stage=stage)

    return counted_page(read, page, count, is_capped, per_page=per_page)


def project_counts(viewer, year: int | None = None) -> dict[str, int]:
    """Counts for the dashboards, through the same visibility as the lists:
    ``in_progress`` (not yet published), ``published``, ``adoptions``, ``reviews_done`` (closed rounds)."""
    projects = projects_visible_to(viewer, year=year)
    by_stage = dict(projects.order_by().values_list("stage").annotate(n=Count("pk")))
    rounds = ReviewRound.objects.filter(project__in=projects.values("pk"), status=RoundStatus.CLOSED)
    adoptions = adoptions_visible_to(viewer, "all")
    if year:
        rounds = rounds.filter(closed_at__year=int(year))
        adoptions = adoptions.filter(created_at__year=int(year))
    by_kind = adoptions.order_by().aggregate(
        courses=Count("pk", filter=Q(course__isnull=False)), topics=Count("pk", filter=Q(topic__isnull=False))
    )
    return {
        "in_progress": sum(n for s, n in by_stage.items() if s != Stage.PUBLISHED),
        "published": by_stage.get(Stage.PUBLISHED, 0),
        "adoptions": by_kind["courses"],
        "topic_adoptions": by_kind["topics"],
        "reviews_done": rounds.count(),
    }


# -- the workspace ----------------------------------------------------------------------------


def team_of(project: Project) -> list[TeamMember]:
    return list(project.team.select_related("user", "school", "teacher").order_by("school__code", "id"))


def tasks_of(project: Project, *, today=None) -> list[Task]:
    today = today or timezone.localdate()
    tasks = list(project.tasks.select_related("assignee__user").order_by("status", "due_date", "id"))
    for task in tasks:
        task.is_overdue = task.status != TaskStatus.DONE and task.due_date < today
    return tasks


def plan_of(project: Project) -> list:
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    current = order.get(project.stage, 0)
    plan = sorted(project.plan.all(), key=lambda p: order.get(p.stage, 99))
    for item in plan:
        item.is_current = item.stage == project.stage
        item.is_done = order.get(item.stage, 99) < current
    return plan


def materials_of(project: Project) -> list[dict]:
    """The course's materials grouped by (kind, title), newest version first."""
    groups: dict[tuple, dict] = {}
    for m in (
        CourseMaterial.objects.filter(course_id=project.course_id)
        .select_related("uploaded_by")
        .defer("text")
        .order_by("kind", "title", "-version")
    ):
        key = (m.kind, m.title)
        group = groups.setdefault(
            key, {"kind": m.get_kind_display(), "kind_value": m.kind, "title": m.title, "versions": []}
        )
        group["versions"].append(m)
    for group in groups.values():
        group["latest"] = group["versions"][0]
    return list(groups.values())


def latest_materials(course_id) -> list[CourseMaterial]:
    """The newest version of each of a course's materials."""
    newest: dict[tuple, CourseMaterial] = {}
    for m in (
        CourseMaterial.objects.filter(course_id=course_id).defer("text").order_by("kind", "title", "-version")
    ):
        newest.setdefault((m.kind, m.title), m)
    return list(newest.values())


def material_of(project: Project, material_id) -> CourseMaterial:
    try:
        return CourseMaterial.objects.select_related("uploaded_by").get(
            pk=material_id, course_id=project.course_id
        )
    except (CourseMaterial.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError("未找到该资料版本。") from None


def compare_versions(project: Project, a_id, b_id) -> dict:
    """A side-by-side comparison of two versions of one material (character level)."""
    a, b = material_of(project, a_id), material_of(project, b_id)
    if (a.kind, a.title) != (b.kind, b.title):
        raise DomainError("只能比较同一份资料的两个版本。", field="b")
    if a.version > b.version:
        a, b = b, a
    return {
        "old": a,
        "new": b,
        "rows": diffing.side_by_side(a.text, b.text),
        "has_text": bool(a.text or b.text),
    }


def comments_of(project: Project, material=None) -> list:
    qs = project.comments.select_related("author", "material").order_by("created_at", "id")
    return list(qs.filter(material=material) if material is not None else qs)


def changes_since_last_visit(viewer, project: Project, *, limit: int = 20) -> dict:
    """What changed since the viewer last opened the workspace (by others), and when that was."""
    visit = ProjectVisit.objects.filter(project=project, user=viewer).first()
    events = (
        ProjectEvent.objects.filter(project=project).select_related("actor").order_by("-created_at", "-id")
    )
    if visit is not None:
        events = events.filter(created_at__gt=visit.seen_at).exclude(actor=viewer)
    return {"since": visit.seen_at if visit else None, "events": list(events[:limit])}


def recent_events(project: Project, *, limit: int = 20) -> list:
    return list(project.events.select_related("actor").order_by("-created_at", "-id")[:limit])


def trials_of(project: Project) -> list:
    return list(project.trials.select_related("session__training_class").order_by("session__starts_at", "id"))


# -- review rounds ----------------------------------------------------------------------------


def rounds_of(project: Project) -> list[ReviewRound]:
    return list(project.rounds.select_related("rubric").order_by("number"))


def open_round(project: Project) -> ReviewRound | None:
    return project.rounds.filter(status=RoundStatus.OPEN).first()


def access_round(viewer, pk) -> ReviewRound:
    """A round of a project the viewer may see (the team side)."""
    try:
        review_round = ReviewRound.objects.select_related("rubric", "project").get(pk=pk)
    except (ReviewRound.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None
    review_round.project = access_project(viewer, review_round.project_id)
    return review_round


def reviewer_label(sheet, index: int, blind: bool) -> dict:
    """How a sheet's reviewer is shown: names in an open-name round, 评审人 n in a blind one."""
    if blind:
        return {"name": f"评审人 {index}", "school": ""}
    school = sheet.reviewer_school.name if sheet.reviewer_school_id else sheet.reviewer_affiliation
    return {"name": sheet.reviewer_name, "school": school}


def round_result(review_round: ReviewRound) -> dict:
    """The sheets (reviewer shown per the blind rule), the summary."""
    sheets = list(sheets_of(review_round))
    for index, sheet in enumerate(sheets, start=1):
        sheet.shown = reviewer_label(sheet, index, review_round.blind)
    return {"sheets": sheets, "summary": summarise(sheets)}


def sheets_assigned_to(viewer) -> QuerySet[ReviewSheet]:
    """The viewer's own review sheets on 合备一门课 rounds (their reviewing inbox)."""
    if not getattr(viewer, "is_authenticated", False):
        return ReviewSheet.objects.none()
    return ReviewSheet.objects.filter(
        reviewer=viewer, subject_type=ContentType.objects.get_for_model(ReviewRound)
    ).order_by("status", "-id")


def rounds_by_id(ids) -> dict[int, ReviewRound]:
    return {
        r.pk: r for r in ReviewRound.objects.filter(pk__in=ids).select_related("project", "project__module")
    }


def access_my_sheet(viewer, pk) -> tuple[ReviewSheet, ReviewRound]:
    """The viewer's own sheet and its round; NotFoundError for anyone else's."""
    try:
        sheet = sheets_assigned_to(viewer).select_related("rubric").get(pk=pk)
    except (ReviewSheet.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None
    review_round = ReviewRound.objects.select_related("project", "project__module", "project__course").get(
        pk=sheet.subject_id
    )
    return sheet, review_round


def round_by_pk(pk) -> ReviewRound:
    try:
        return ReviewRound.objects.get(pk=pk)
    except (ReviewRound.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def round_materials(review_round: ReviewRound) -> list[CourseMaterial]:
    return list(review_round.materials.order_by("kind", "title"))


def round_material_for(viewer, review_round: ReviewRound, material_id) -> CourseMaterial:
    """A submitted material version, for a reviewer of the round or someone who sees the project."""
    is_reviewer = sheets_assigned_to(viewer).filter(subject_id=review_round.pk).exists()
    if not is_reviewer:
        access_project(viewer, review_round.project_id)
    try:
        return review_round.materials.get(pk=material_id)
    except (CourseMaterial.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def review_rows(viewer, *, project=None) -> list[list]:
    """Every submitted sheet of the closed rounds of the projects the viewer sees (the xlsx export)."""
    projects = projects_visible_to(viewer)
    rounds = ReviewRound.objects.filter(project__in=projects.values("pk"), status=RoundStatus.CLOSED)
    if project is not None:
        rounds = rounds.filter(project=project)
    rows = []
    for review_round in rounds.select_related("project", "project__lead_school").order_by(
        "project_id", "number"
    ):
        sheets = [s for s in sheets_of(review_round) if s.status == SheetStatus.SUBMITTED]
        for index, sheet in enumerate(sheets, start=1):
            shown = reviewer_label(sheet, index, review_round.blind)
            rows.append(
                [
                    review_round.project.title,
                    review_round.project.lead_school.name,
                    review_round.number,
                    "是" if review_round.blind else "否",
                    shown["name"],
                    shown["school"],
                    sheet.total,
                    sheet.comment,
                    review_round.average,
                    review_round.spread,
                    review_round.get_decision_display(),
                    review_round.reasons,
                ]
            )
    return rows


REVIEW_HEADER = [
    "项目",
    "牵头学校",
    "轮次",
    "匿名评审",
    "评审人",
    "评审人单位",
    "评审表得分",
    "评审意见",
    "加权平均分",
    "极差",
    "结论",
    "理由",
]


# -- releases and adoptions ---------------------------------------------------------------


def latest_release(course_id) -> Release | None:
    return Release.objects.filter(course_id=course_id).order_by("-number").first()


def releases_of(course_id) -> list[Release]:
    return list(Release.objects.filter(course_id=course_id).order_by("-number"))


ADOPTION_KINDS = {"course": Q(course__isnull=False), "topic": Q(topic__isnull=False), "all": Q()}


def adoptions_visible_to(viewer, kind: str = "course") -> QuerySet[Adoption]:
    """Adoptions the viewer's schools made (any member), those of courses the viewer edits, and
    those of lecture topics owned by a school where the viewer is staff. ``kind``: ``course``
    (the default: the dashboards' 课程被引用次数), ``topic`` or ``all`` (lists, API, export)."""
    context = viewer_context(viewer)
    if not context.authenticated:
        return Adoption.objects.none()
    qs = Adoption.objects.filter(ADOPTION_KINDS[kind]).select_related(
        "course", "course__owner_school", "topic", "topic__owner_school", "adopter_school", "based_on"
    )
    if context.sees_everything:
        return qs
    return qs.filter(
        Q(adopter_school_id__in=context.school_ids)
        | editor_q(viewer, prefix="course__")
        | Q(topic__owner_school_id__in=staff_school_ids(viewer))
    )


def access_adoption(viewer, pk) -> Adoption:
    try:
        return adoptions_visible_to(viewer, "all").get(pk=pk)
    except (Adoption.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def with_latest(adoptions) -> list[Adoption]:
    """Each adoption with ``behind``: for a course, ``latest_number`` (its newest release) and
    the versions behind; for a topic, ``latest_at`` (its update time) and 1 when it changed since."""
    adoptions = list(adoptions)
    newest = dict(
        Release.objects.filter(course_id__in={a.course_id for a in adoptions if a.course_id})
        .order_by()
        .values_list("course_id")
        .annotate(m=Max("number"))
    )
    for a in adoptions:
        if a.is_topic:
            a.latest_number, a.latest_at = None, a.topic.updated_at
            a.behind = int(a.latest_at > a.based_on_at)
        else:
            a.latest_number, a.latest_at = newest.get(a.course_id, a.based_on.number), None
            a.behind = a.latest_number - a.based_on.number
    return adoptions


def adoptions_of(original) -> list[Adoption]:
    """The owner's view of one course's or topic's adopters (who is behind)."""
    field = "topic" if isinstance(original, Topic) else "course"
    return with_latest(
        Adoption.objects.filter(**{field: original})
        .select_related("adopter_school", "based_on", "course", "topic")
        .order_by("adopter_school__code")
    )


def course_is_visible(viewer, course_id) -> bool:
    return courses_visible_to(viewer, status="all").filter(pk=course_id).exists()


def original_is_visible(viewer, adoption: Adoption) -> bool:
    """Whether the adopted course or topic is still shared with the viewer (else: the notice)."""
    if adoption.is_topic:
        return topics_visible_to(viewer, status="all").filter(pk=adoption.topic_id).exists()
    return course_is_visible(viewer, adoption.course_id)


def topic_changes(adoption: Adoption) -> list[dict]:
    """What changed in an adopted topic since the copy: its title, summary and outline compared."""
    topic = adoption.topic
    parts = [("讲题", adoption.title, topic.title), ("内容简介", adoption.summary, topic.summary)]
    parts.append(("提纲", adoption.outline, topic.outline))
    return [
        {"title": label, "rows": diffing.side_by_side(old, new)} for label, old, new in parts if old != new
    ]


def version_label(a: Adoption, latest: bool = False) -> str:
    """第 n 版 for a course; a topic's version is its update time (shown in Asia/Shanghai)."""
    if a.is_topic:
        return f"{timezone.localtime(a.latest_at if latest else a.based_on_at):%Y-%m-%d %H:%M} 版"
    return f"第 {a.latest_number if latest else a.based_on.number} 版"


def adoption_count(original) -> int:
    field = "topic_id" if isinstance(original, Topic) else "course_id"
    return Adoption.objects.filter(**{field: original.pk}).count()


def release_changes(adoption: Adoption) -> list[dict]:
    """What changed between the adopted release and the newest: per material, a comparison."""
    latest = latest_release(adoption.course_id)
    old = {(m.kind, m.title): m for m in adoption.based_on.materials.all()}
    new = {(m.kind, m.title): m for m in latest.materials.all()}
    result = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a.pk == b.pk:
            continue
        result.append(
            {
                "title": key[1],
                "old": a,
                "new": b,
                "rows": diffing.side_by_side(a.text if a else "", b.text if b else ""),
            }
        )
    return result


def adoption_rows(viewer) -> list[list]:
    rows = []
    adoptions = adoptions_visible_to(viewer, "all").order_by("topic_id", "course_id", "adopter_school__code")
    for a in with_latest(adoptions):
        original = a.original
        rows.append(
            [
                a.kind_label,
                a.title,
                original.owner_school.name,
                a.adopter_school.name,
                version_label(a),
                version_label(a, latest=True),
                "是" if a.behind > 0 else "否",
                a.local_place,
                a.local_notes,
                a.created_at,
            ]
        )
    return rows


ADOPTION_HEADER = [
    "类型",
    "名称",
    "所属学校",
    "引用学校",
    "所依据版本",
    "最新版本",
    "落后",
    "本校现场教学点",
    "本校安排说明",
    "引用时间",
]


def published_course_ids(course_ids) -> set[int]:
    return set(
        Course.objects.filter(
            pk__in=course_ids, status__in=[CourseStatus.PUBLISHED, CourseStatus.FEATURED]
        ).values_list("pk", flat=True)
    )


def course_panel(viewer, course) -> dict | None:
    """The course page's 合备一门课 panel: the review badge with its score, the current version,
    how many schools adopted it, a link to the project (if the viewer sees it), 引用到本校."""
    release = (
        Release.objects.filter(course_id=course.pk).select_related("review_round").order_by("-number").first()
    )
    project = projects_visible_to(viewer).filter(course_id=course.pk).order_by("-id").first()
    if release is None and project is None:
        return None
    reviewed = (
        Release.objects.filter(course_id=course.pk, review_round__isnull=False)
        .select_related("review_round")
        .order_by("-number")
        .first()
    )
    staff = [s for s in staff_school_ids(viewer) if s != course.owner_school_id]
    return {
        "template": "codev/includes/course_panel.html",
        "course_id": course.pk,
        "release": release,
        "round": reviewed.review_round if reviewed else None,
        "project": project,
        "adoption_count": adoption_count(course),
        "can_adopt": bool(staff)
        and release is not None
        and course.status in (CourseStatus.PUBLISHED, CourseStatus.FEATURED),
    }


def topic_panel(viewer, topic) -> dict:
    """The topic page's 引用 panel: how many schools adopted it, 引用到本校, the owner's list."""
    staff = staff_school_ids(viewer)
    return {
        "template": "codev/includes/topic_panel.html",
        "topic_id": topic.pk,
        "adoption_count": adoption_count(topic),
        "is_owner": topic.owner_school_id in staff,
        "can_adopt": topic.status == TopicStatus.PUBLISHED and any(s != topic.owner_school_id for s in staff),
    }

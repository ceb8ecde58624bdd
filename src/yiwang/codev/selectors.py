"""Reads of 合备一门课. Every read of a project goes through ``projects_visible_to``.

Before publication a project is seen only by its team members and the staff of its schools
(lead and participating); once published, by whoever may see the published course (its
sharing scope). A reviewer sees only the round they review (``access_my_sheet``), never the
workspace; in a blind round without the team's names. An adoption is seen by its adopting
school's members and by the staff of the course's owner and co-building schools.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.validators import clean_query
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course, CourseMaterial
from yiwang.courses.selectors import courses_visible_to, editor_q
from yiwang.network.context import viewer_context
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.reviews.enums import SheetStatus
from yiwang.reviews.models import ReviewSheet
from yiwang.reviews.selectors import sheets_of, summarise

from . import diffing
from .enums import STAGE_ORDER, RoundStatus, Stage, TaskStatus
from .models import Adoption, Project, ProjectEvent, ProjectVisit, Release, ReviewRound, Task, TeamMember

OPEN_STAGES = [s for s in STAGE_ORDER if s != Stage.PUBLISHED]


def _visible_q(viewer) -> Q:
    context = viewer_context(viewer)
    if not context.authenticated:
        return Q(pk__in=[])
    if context.sees_everything:
        return Q()
    staff = staff_school_ids(viewer)
    member = TeamMember.objects.filter(project_id=OuterRef("pk"), user=viewer)
    q = Q(Exists(member))
    if staff:
        partner = Project.schools.through.objects.filter(project_id=OuterRef("pk"), school_id__in=staff)
        q |= Q(lead_school_id__in=staff) | Q(Exists(partner))
    published = courses_visible_to(viewer).values("pk")
    return q | Q(stage=Stage.PUBLISHED, course__in=published)


def projects_visible_to(
    viewer, *, module=None, stage: str = "", school=None, q: str = "", year: int | None = None
) -> QuerySet[Project]:
    """Projects ``viewer`` may see (the search and dashboards use this one selector)."""
    qs = Project.objects.filter(_visible_q(viewer)).select_related("module", "lead_school", "course")
    if module:
        qs = qs.filter(module_id=getattr(module, "pk", module))
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    if school:
        school_id = getattr(school, "pk", school)
        qs = qs.filter(Q(lead_school_id=school_id) | Q(schools=school_id)).distinct()
    if year:
        qs = qs.filter(created_at__year=int(year))
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(course__title__contains=q))
    return qs.order_by("-updated_at", "-id")


def access_project(viewer, pk) -> Project:
    try:
        return (
            projects_visible_to(viewer)
            .prefetch_related(Prefetch("schools", queryset=School.objects.order_by("code")))
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def module_stage_grid(viewer) -> list[dict]:
    """The 合备一门课 page: for each module, the visible projects counted by stage."""
    rows: dict[int, dict] = {}
    counts = (
        projects_visible_to(viewer)
        .order_by()
        .values("module_id", "module__name", "module__position", "stage")
        .annotate(n=Count("pk"))
    )
    for row in counts:
        entry = rows.setdefault(
            row["module_id"],
            {
                "module_id": row["module_id"],
                "name": row["module__name"],
                "position": row["module__position"],
                "stages": dict.fromkeys(STAGE_ORDER, 0),
            },
        )
        entry["stages"][row["stage"]] += row["n"]
    result = sorted(rows.values(), key=lambda r: (r["position"], r["module_id"]))
    for entry in result:
        entry["cells"] = [(s, entry["stages"][s]) for s in STAGE_ORDER]
        entry["total"] = sum(entry["stages"].values())
    return result


def project_counts(viewer, year: int | None = None) -> dict[str, int]:
    """Counts for the dashboards, through the same visibility as the lists:
    ``in_progress`` (not yet published), ``published``, ``adoptions``, ``reviews_done`` (closed rounds)."""
    projects = projects_visible_to(viewer, year=year)
    by_stage = dict(projects.order_by().values_list("stage").annotate(n=Count("pk")))
    rounds = ReviewRound.objects.filter(project__in=projects.values("pk"), status=RoundStatus.CLOSED)
    adoptions = adoptions_visible_to(viewer)
    if year:
        rounds = rounds.filter(closed_at__year=int(year))
        adoptions = adoptions.filter(created_at__year=int(year))
    return {
        "in_progress": sum(n for s, n in by_stage.items() if s != Stage.PUBLISHED),
        "published": by_stage.get(Stage.PUBLISHED, 0),
        "adoptions": adoptions.count(),
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


def adoptions_visible_to(viewer) -> QuerySet[Adoption]:
    """Adoptions the viewer's schools made (any member), and those of courses the viewer edits."""
    context = viewer_context(viewer)
    if not context.authenticated:
        return Adoption.objects.none()
    qs = Adoption.objects.select_related("course", "course__owner_school", "adopter_school", "based_on")
    if context.sees_everything:
        return qs
    return qs.filter(Q(adopter_school_id__in=context.school_ids) | editor_q(viewer, prefix="course__"))


def access_adoption(viewer, pk) -> Adoption:
    try:
        return adoptions_visible_to(viewer).get(pk=pk)
    except (Adoption.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def with_latest(adoptions) -> list[Adoption]:
    """Each adoption with ``latest`` (the course's newest release) and ``behind`` (versions behind)."""
    adoptions = list(adoptions)
    newest = dict(
        Release.objects.filter(course_id__in={a.course_id for a in adoptions})
        .order_by()
        .values_list("course_id")
        .annotate(m=Max("number"))
    )
    for a in adoptions:
        a.latest_number = newest.get(a.course_id, a.based_on.number)
        a.behind = a.latest_number - a.based_on.number
    return adoptions


def adoptions_of_course(course: Course) -> list[Adoption]:
    return with_latest(
        Adoption.objects.filter(course=course)
        .select_related("adopter_school", "based_on", "course")
        .order_by("adopter_school__code")
    )


def course_is_visible(viewer, course_id) -> bool:
    return courses_visible_to(viewer, status="all").filter(pk=course_id).exists()


def adoption_rows(viewer) -> list[list]:
    rows = []
    for a in with_latest(adoptions_visible_to(viewer).order_by("course_id", "adopter_school__code")):
        rows.append(
            [
                a.title,
                a.course.owner_school.name,
                a.adopter_school.name,
                a.based_on.number,
                a.latest_number,
                "是" if a.behind > 0 else "否",
                a.local_place,
                a.local_notes,
                a.created_at,
            ]
        )
    return rows


ADOPTION_HEADER = [
    "课程",
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
        "adoption_count": Adoption.objects.filter(course_id=course.pk).count(),
        "can_adopt": bool(staff)
        and release is not None
        and course.status in (CourseStatus.PUBLISHED, CourseStatus.FEATURED),
    }

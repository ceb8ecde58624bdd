"""JSON API of 合备一门课: projects, tasks, review rounds and adoptions (same selectors and
services as the pages; a blind round never names its reviewers)."""

from ninja import Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import MAX_PAGE, MAX_PAGE_SIZE, PageParams, Year, page_of
from yiwang.courses.models import TeachingModule
from yiwang.network.selectors import school_by_code

from . import selectors, services
from .models import Project
from .schemas import (
    AdoptionIn,
    AdoptionOut,
    AdoptionPage,
    CountsOut,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    RoundOut,
    TaskIn,
    TaskOut,
)

PREFIX = "codev"
router = Router(tags=["合备一门课"])


def _school(s) -> dict:
    return {"id": s.pk, "code": s.code, "name": s.name}


def project_out(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "module_id": p.module_id,
        "module_name": p.module.name,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "course_id": p.course_id,
        "lead_school": _school(p.lead_school),
        "schools": [_school(s) for s in p.schools.all()],
        "updated_at": p.updated_at,
    }


class ProjectFilters(Schema):
    module: int | None = None
    stage: str = ""
    q: str = ""
    year: Year | None = None


@router.get("/projects", response=ProjectPage, summary="共建项目列表（发布前仅项目组和参与学校可见）")
def list_projects(request, filters: Query[ProjectFilters], paging: Query[PageParams]):
    if not (1 <= paging.page <= MAX_PAGE and 1 <= paging.page_size <= MAX_PAGE_SIZE):
        page_of(Project.objects.none(), paging)  # the shared Chinese message for out-of-range paging
    result = selectors.project_page(request.auth, paging.page, per_page=paging.page_size, **filters.dict())
    items = result.items if result.number == paging.page else []
    return {
        "count": result.count,
        "count_capped": result.count_capped,
        "page": paging.page,
        "page_size": paging.page_size,
        "num_pages": result.num_pages,
        "items": [project_out(p) for p in items],
    }


@router.get("/projects/{int:project_id}", response=ProjectDetailOut, summary="共建项目详情")
def get_project(request, project_id: int):
    p = selectors.access_project(request.auth, project_id)
    return {
        **project_out(p),
        "summary": p.summary,
        "team": [
            {
                "id": m.pk,
                "user_id": m.user_id,
                "name": m.user.full_name,
                "role": m.role,
                "role_label": m.get_role_display(),
                "school_code": m.school.code,
            }
            for m in selectors.team_of(p)
        ],
        "plan": [
            {
                "stage": i.stage,
                "stage_label": i.get_stage_display(),
                "due_date": i.due_date,
                "reached_at": i.reached_at,
            }
            for i in selectors.plan_of(p)
        ],
    }


@router.post("/projects", response={201: ProjectOut}, auth=SignedIn(), summary="发起共建项目")
def create_project(request, payload: ProjectIn):
    school = school_by_code(payload.school_code, field="school_code")
    module = TeachingModule.objects.filter(pk=payload.module_id).first()
    project = services.create_project(
        by=request.auth,
        school=school,
        title=payload.title,
        module=module,
        summary=payload.summary,
        place_name=payload.place_name,
        schools=payload.school_ids,
        plan=payload.plan,
    )
    return Status(201, project_out(selectors.access_project(request.auth, project.pk)))


def task_out(t) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "assignee_id": t.assignee_id,
        "assignee_name": t.assignee.user.full_name,
        "due_date": t.due_date,
        "status": t.status,
        "status_label": t.get_status_display(),
        "overdue": getattr(t, "is_overdue", False),
    }


@router.get("/projects/{int:project_id}/tasks", response=list[TaskOut], summary="项目任务")
def list_tasks(request, project_id: int):
    return [task_out(t) for t in selectors.tasks_of(selectors.access_project(request.auth, project_id))]


@router.post("/projects/{int:project_id}/tasks", response={201: TaskOut}, auth=SignedIn(), summary="布置任务")
def create_task(request, project_id: int, payload: TaskIn):
    project = selectors.access_project(request.auth, project_id)
    task = services.create_task(
        by=request.auth,
        project=project,
        title=payload.title,
        assignee=payload.assignee_id,
        due_date=payload.due_date,
    )
    return Status(201, task_out(task))


def round_out(r) -> dict:
    result = selectors.round_result(r)
    return {
        "id": r.pk,
        "project_id": r.project_id,
        "number": r.number,
        "status": r.status,
        "blind": r.blind,
        "decision": r.decision,
        "decision_label": r.get_decision_display() if r.decision else "",
        "reasons": r.reasons,
        "average": r.average,
        "spread": r.spread,
        "sheets": [
            {
                "reviewer": s.shown["name"],
                "reviewer_school": s.shown["school"],
                "status": s.status,
                "total": s.total,
                "comment": s.comment,
            }
            for s in result["sheets"]
        ],
    }


@router.get("/projects/{int:project_id}/rounds", response=list[RoundOut], summary="项目的评审轮次")
def list_rounds(request, project_id: int):
    return [round_out(r) for r in selectors.rounds_of(selectors.access_project(request.auth, project_id))]


@router.get("/rounds/{int:round_id}", response=RoundOut, summary="评审轮次与评审表")
def get_round(request, round_id: int):
    return round_out(selectors.access_round(request.auth, round_id))


def adoption_out(a) -> dict:
    return {
        "id": a.pk,
        "kind": "topic" if a.is_topic else "course",
        "course_id": a.course_id,
        "topic_id": a.topic_id,
        "title": a.title,
        "adopter_school": _school(a.adopter_school),
        "based_on": a.based_on.number if a.based_on_id else None,
        "latest": a.latest_number,
        "based_on_at": a.based_on_at,
        "latest_at": a.latest_at,
        "behind": a.behind,
        "local_place": a.local_place,
        "local_notes": a.local_notes,
    }


@router.get("/adoptions", response=AdoptionPage, summary="引用（课程与讲题：本校的引用与本校的被引用情况）")
def list_adoptions(request, paging: Query[PageParams]):
    page = page_of(selectors.adoptions_visible_to(request.auth, "all").order_by("-updated_at", "-id"), paging)
    page["items"] = [adoption_out(a) for a in selectors.with_latest(page["items"])]
    return page


def _adopted(request, adopt, payload: AdoptionIn):
    school = school_by_code(payload.school_code, field="school_code")
    adoption = adopt(
        by=request.auth, school=school, local_notes=payload.local_notes, local_place=payload.local_place
    )
    [adoption] = selectors.with_latest([selectors.access_adoption(request.auth, adoption.pk)])
    return Status(201, adoption_out(adoption))


@router.post(
    "/courses/{int:course_id}/adoptions", response={201: AdoptionOut}, auth=SignedIn(), summary="引用课程"
)
def adopt_course(request, course_id: int, payload: AdoptionIn):
    return _adopted(request, lambda **kw: services.adopt_course(course_id=course_id, **kw), payload)


@router.post(
    "/topics/{int:topic_id}/adoptions", response={201: AdoptionOut}, auth=SignedIn(), summary="引用讲题"
)
def adopt_topic(request, topic_id: int, payload: AdoptionIn):
    return _adopted(request, lambda **kw: services.adopt_topic(topic_id=topic_id, **kw), payload)


@router.get("/counts", response=CountsOut, summary="合备一门课统计（与列表同一可见范围）")
def counts(request, year: Year | None = None):
    return selectors.project_counts(request.auth, year=year)

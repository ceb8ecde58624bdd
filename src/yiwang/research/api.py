"""JSON API of the research bank: /api/v1/research/… — the same selectors and services as the pages."""

from datetime import date

from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from yiwang.accounts.api_auth import SignedIn
from yiwang.banks.api_common import ItemApi, not_null
from yiwang.core.api_support import MAX_ID, PageParams, Year
from yiwang.core.errors import DomainError
from yiwang.network.selectors import resolve_sharing, school_by_code

from . import rules, selectors, services
from .enums import LeaderLevel
from .schemas import (
    EndorsementIn,
    EndorsementOut,
    OutputDetailOut,
    OutputFilters,
    OutputIn,
    OutputPage,
    OutputPatch,
    ProjectDetailOut,
    ProjectFilters,
    ProjectIn,
    ProjectPage,
    ProjectPatch,
    ProjectStatusIn,
    RankingOut,
)

PREFIX = "research"
router = Router(tags=["科研信息库"])
ItemId = Path[int, {"ge": 1, "le": MAX_ID}]


# -- projects ---------------------------------------------------------------------------------


PROJECTS = ItemApi(
    access=selectors.access_project,
    can_edit=rules.can_edit_project,
    selector=selectors.projects_visible_to,
    prefetch=selectors.with_members,
)


@router.get("/projects", response=ProjectPage, summary="科研课题列表（按共享范围过滤）")
def list_projects(request, filters: Query[ProjectFilters], paging: Query[PageParams]):
    return PROJECTS.page(request, filters, paging)


@router.get("/projects/{project_id}", response=ProjectDetailOut, summary="科研课题详情")
def get_project(request, project_id: ItemId):
    return PROJECTS.detail(request.auth, project_id)


@router.post("/projects", response={201: ProjectDetailOut}, auth=SignedIn(), summary="登记科研课题")
def create_project(request, payload: ProjectIn):
    data = payload.dict()
    school = school_by_code(data.pop("school"))
    sharing = resolve_sharing(data.pop("alliance_ids"), data.pop("partnership_ids"))
    members = [(m["teacher_id"], m["role"]) for m in data.pop("members")]
    project = services.create_project(
        by=request.auth,
        school=school,
        members=members,
        principal_investigator=data.pop("principal_investigator_id"),
        **sharing,
        **data,
    )
    return Status(201, PROJECTS.detail(request.auth, project.pk))


@router.patch("/projects/{project_id}", response=ProjectDetailOut, auth=SignedIn(), summary="修改科研课题")
def update_project(request, project_id: ItemId, payload: ProjectPatch):
    def update(project):
        data = payload.dict(exclude_unset=True)
        not_null(
            data,
            (
                "title",
                "level",
                "category",
                "funding",
                "start_date",
                "end_date",
                "scope",
                "principal_investigator_id",
            ),
        )
        kwargs = {k: v for k, v in data.items() if k in services.PROJECT_CONTENT or k == "scope"}
        if "principal_investigator_id" in data:
            kwargs["principal_investigator"] = data["principal_investigator_id"]
        if "members" in data:
            kwargs["members"] = [(m.teacher_id, m.role) for m in payload.members or []]
        kwargs.update(resolve_sharing(data.get("alliance_ids"), data.get("partnership_ids")))
        services.update_project(by=request.auth, project=project, **kwargs)

    return PROJECTS.act(request, project_id, update)


@router.post(
    "/projects/{project_id}/status",
    response=ProjectDetailOut,
    auth=SignedIn(),
    summary="变更课题状态（立项、在研、结项、终止）",
)
def change_project_status(request, project_id: ItemId, payload: ProjectStatusIn):
    return PROJECTS.act(
        request,
        project_id,
        lambda project: services.change_project_status(by=request.auth, project=project, to=payload.status),
    )


@router.post("/projects/{project_id}/retire", response=ProjectDetailOut, auth=SignedIn(), summary="终止课题")
def retire_project(request, project_id: ItemId):
    return PROJECTS.act(
        request, project_id, lambda project: services.terminate_project(by=request.auth, project=project)
    )


# -- outputs ----------------------------------------------------------------------------------


OUTPUTS = ItemApi(
    access=selectors.access_output,
    can_edit=rules.can_edit_output,
    selector=selectors.outputs_visible_to,
    prefetch=selectors.with_authors,
)


@router.get("/outputs", response=OutputPage, summary="科研成果列表（按共享范围过滤）")
def list_outputs(request, filters: Query[OutputFilters], paging: Query[PageParams]):
    return OUTPUTS.page(request, filters, paging)


@router.get("/outputs/{output_id}", response=OutputDetailOut, summary="科研成果详情（含批示）")
def get_output(request, output_id: ItemId):
    return OUTPUTS.detail(request.auth, output_id)


@router.post("/outputs", response={201: OutputDetailOut}, auth=SignedIn(), summary="登记科研成果")
def create_output(request, payload: OutputIn):
    data = payload.dict()
    school = school_by_code(data.pop("school"))
    sharing = resolve_sharing(data.pop("alliance_ids"), data.pop("partnership_ids"))
    output = services.create_output(
        by=request.auth,
        school=school,
        authors=data.pop("author_ids"),
        project=data.pop("project_id"),
        **sharing,
        **data,
    )
    return Status(201, OUTPUTS.detail(request.auth, output.pk))


@router.patch("/outputs/{output_id}", response=OutputDetailOut, auth=SignedIn(), summary="修改科研成果")
def update_output(request, output_id: ItemId, payload: OutputPatch):
    def update(output):
        data = payload.dict(exclude_unset=True)
        not_null(data, ("kind", "title", "published_on", "scope"))
        kwargs = {k: v for k, v in data.items() if k in services.OUTPUT_CONTENT or k == "scope"}
        for key in ("author_text", "abstract", "keywords", "venue"):
            if key in kwargs and kwargs[key] is None:
                kwargs[key] = ""
        if "author_ids" in data:
            kwargs["authors"] = data["author_ids"] or []
        if "project_id" in data:
            kwargs["project"] = data["project_id"]
        kwargs.update(resolve_sharing(data.get("alliance_ids"), data.get("partnership_ids")))
        services.update_output(by=request.auth, output=output, **kwargs)

    return OUTPUTS.act(request, output_id, update)


@router.post("/outputs/{output_id}/retire", response=OutputDetailOut, auth=SignedIn(), summary="停用科研成果")
def retire_output(request, output_id: ItemId):
    return OUTPUTS.act(
        request,
        output_id,
        lambda output: services.set_output_active(by=request.auth, output=output, active=False),
    )


@router.post("/outputs/{output_id}/file", response=OutputDetailOut, auth=SignedIn(), summary="上传成果文件")
def upload_output_file(request, output_id: ItemId, file: File[UploadedFile]):
    return OUTPUTS.act(
        request, output_id, lambda output: services.update_output(by=request.auth, output=output, file=file)
    )


# -- endorsements -----------------------------------------------------------------------------


@router.get(
    "/outputs/{output_id}/endorsements", response=list[EndorsementOut], summary="成果的批示（含待核实）"
)
def list_endorsements(request, output_id: ItemId):
    output = selectors.access_output(request.auth, output_id)
    return list(selectors.endorsements_visible_to(request.auth, output=output))


@router.post(
    "/outputs/{output_id}/endorsements",
    response={201: EndorsementOut},
    auth=SignedIn(),
    summary="登记批示（待核实）",
)
def add_endorsement(request, output_id: ItemId, payload: EndorsementIn):
    output = selectors.access_output(request.auth, output_id)
    endorsement = services.add_endorsement(by=request.auth, output=output, **payload.dict())
    return Status(201, endorsement)


@router.post(
    "/outputs/{output_id}/endorsements/upload",
    response={201: EndorsementOut},
    auth=SignedIn(),
    summary="登记批示并上传佐证材料",
)
def add_endorsement_with_evidence(
    request,
    output_id: ItemId,
    leader_level: Form[LeaderLevel],
    endorsed_on: Form[str],
    summary: Form[str] = "",
    evidence: File[UploadedFile | None] = None,
):
    output = selectors.access_output(request.auth, output_id)
    try:
        day = date.fromisoformat(endorsed_on)
    except ValueError:
        raise DomainError("批示日期格式不正确，应为 2025-03-01 这样的日期。", field="endorsed_on") from None
    endorsement = services.add_endorsement(
        by=request.auth,
        output=output,
        leader_level=leader_level,
        endorsed_on=day,
        summary=summary,
        evidence=evidence,
    )
    return Status(201, endorsement)


@router.post(
    "/endorsements/{endorsement_id}/verify", response=EndorsementOut, auth=SignedIn(), summary="核实批示"
)
def verify_endorsement(request, endorsement_id: ItemId):
    endorsement = selectors.access_endorsement(request.auth, endorsement_id)
    return services.verify_endorsement(by=request.auth, endorsement=endorsement)


@router.delete(
    "/endorsements/{endorsement_id}", response={204: None}, auth=SignedIn(), summary="删除待核实的批示"
)
def remove_endorsement(request, endorsement_id: ItemId):
    endorsement = selectors.access_endorsement(request.auth, endorsement_id)
    services.remove_endorsement(by=request.auth, endorsement=endorsement)
    return Status(204, None)


@router.get("/ranking", response=RankingOut, summary="批示排行（只计已核实、您可查看的成果）")
def ranking(request, year: Year | None = Query(None)):
    schools = selectors.school_ranking(request.auth, year=year)
    outputs = selectors.output_ranking(request.auth, year=year)
    return {
        "schools": [
            {
                "school_code": r["school"].code,
                "school_name": r["school"].name,
                "total": r["total"],
                "outputs": r["outputs"],
                **{lvl: r[f"n_{lvl}"] for lvl in LeaderLevel.values},
            }
            for r in schools
        ],
        "outputs": [
            {
                "id": o.pk,
                "title": o.title,
                "school_code": o.owner_school.code,
                "verified_endorsements": o.verified_count,
                **{lvl: getattr(o, f"n_{lvl}") for lvl in LeaderLevel.values},
            }
            for o in outputs
        ],
    }

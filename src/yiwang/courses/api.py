"""JSON API of the course bank: /api/v1/courses/… — the same selectors and services as the pages."""

from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from yiwang.accounts.api_auth import SignedIn
from yiwang.banks.api_common import ItemApi, not_null
from yiwang.core.api_support import MAX_ID, PageParams
from yiwang.network.selectors import resolve_schools, resolve_sharing, school_by_code

from . import rules, selectors, services
from .enums import MaterialKind
from .schemas import (
    CourseDetailOut,
    CourseFilters,
    CourseIn,
    CoursePage,
    CoursePatch,
    CourseStatusIn,
    MaterialOut,
    ModuleOut,
)

PREFIX = "courses"
router = Router(tags=["课程库"])
CourseId = Path[int, {"ge": 1, "le": MAX_ID}]


COURSES = ItemApi(
    access=selectors.access_course,
    can_edit=rules.can_edit_course,
    selector=selectors.courses_visible_to,
    prefetch=selectors.with_people,
)


@router.get("/modules", response=list[ModuleOut], auth=SignedIn(), summary="教学模块列表")
def list_modules(request, school: str | None = Query(None, max_length=40)):
    return list(selectors.modules_for(request.auth, school=school))


@router.get("/", response=CoursePage, summary="课程列表（按共享范围过滤）")
def list_courses(request, filters: Query[CourseFilters], paging: Query[PageParams]):
    return COURSES.page(request, filters, paging)


@router.get("/{course_id}", response=CourseDetailOut, summary="课程详情（含资料各版本）")
def get_course(request, course_id: CourseId):
    return COURSES.detail(request.auth, course_id)


@router.post("/", response={201: CourseDetailOut}, auth=SignedIn(), summary="添加课程（草稿）")
def create_course(request, payload: CourseIn):
    data = payload.dict()
    school = school_by_code(data.pop("school"))
    course = services.create_course(
        by=request.auth,
        school=school,
        title=data.pop("title"),
        kind=data.pop("kind"),
        module=data.pop("module_id"),
        teachers=data.pop("teacher_ids"),
        co_schools=resolve_schools(data.pop("co_school_codes"), field="co_schools"),
        scope=data.pop("scope"),
        **resolve_sharing(data.pop("alliance_ids"), data.pop("partnership_ids")),
        **data,
    )
    return Status(201, COURSES.detail(request.auth, course.pk))


@router.patch("/{course_id}", response=CourseDetailOut, auth=SignedIn(), summary="修改课程")
def update_course(request, course_id: CourseId, payload: CoursePatch):
    def update(course):
        data = payload.dict(exclude_unset=True)
        not_null(data, ("title", "kind", "scope"))
        kwargs = {k: v for k, v in data.items() if k in services.CONTENT_FIELDS or k == "scope"}
        if "module_id" in data:
            kwargs["module"] = data["module_id"]
        if "teacher_ids" in data:
            kwargs["teachers"] = data["teacher_ids"] or []
        if "co_school_codes" in data:
            kwargs["co_schools"] = resolve_schools(data["co_school_codes"] or [], field="co_schools")
        kwargs.update(resolve_sharing(data.get("alliance_ids"), data.get("partnership_ids")))
        services.update_course(by=request.auth, course=course, **kwargs)

    return COURSES.act(request, course_id, update)


@router.post(
    "/{course_id}/status",
    response=CourseDetailOut,
    auth=SignedIn(),
    summary="变更课程状态（提交审核、发布、评为精品课…）",
)
def change_status(request, course_id: CourseId, payload: CourseStatusIn):
    return COURSES.act(
        request,
        course_id,
        lambda course: services.change_course_status(by=request.auth, course=course, to=payload.status),
    )


@router.post("/{course_id}/retire", response=CourseDetailOut, auth=SignedIn(), summary="停用课程")
def retire_course(request, course_id: CourseId):
    return COURSES.act(
        request, course_id, lambda course: services.retire_course(by=request.auth, course=course)
    )


@router.get(
    "/{course_id}/materials", response=list[MaterialOut], summary="课程资料（每个版本一行，最新在前）"
)
def list_materials(request, course_id: CourseId):
    course = selectors.access_course(request.auth, course_id)
    return list(course.materials.select_related("uploaded_by").order_by("kind", "title", "-version"))


@router.post(
    "/{course_id}/materials",
    response={201: MaterialOut},
    auth=SignedIn(),
    summary="上传课程资料（同类型同名称即为新版本）",
)
def upload_material(
    request,
    course_id: CourseId,
    kind: Form[MaterialKind],
    title: Form[str],
    link: Form[str] = "",
    note: Form[str] = "",
    file: File[UploadedFile | None] = None,
):
    course = selectors.access_course(request.auth, course_id)
    material = services.upload_material(
        by=request.auth, course=course, kind=kind, title=title, file=file, link=link, note=note
    )
    return Status(201, material)

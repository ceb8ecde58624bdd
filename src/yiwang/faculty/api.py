"""师资库 JSON API: list, detail, create, update, retire — through the same selectors and services as the pages."""

from ninja import Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import PageParams, page_of
from yiwang.core.errors import DomainError
from yiwang.core.pagination import count_cap
from yiwang.network.selectors import resolve_sharing, school_by_code

from . import selectors, services
from .enums import AcademicTitle
from .models import Teacher
from .schemas import TeacherIn, TeacherOut, TeacherPage, TeacherPatch

PREFIX = "faculty"
router = Router(tags=["师资库"])


class TeacherFilters(Schema):
    school: str | None = None
    q: str | None = None
    title: AcademicTitle | None = None
    department: str | None = None
    invited: bool | None = None
    status: str = "active"
    sort: str = "name"


def teacher_out(teacher: Teacher, viewer) -> dict:
    selectors.with_contacts([teacher], viewer)
    school = teacher.owner_school
    return {
        "id": teacher.pk,
        "name": teacher.name,
        "name_pinyin": teacher.name_pinyin,
        "name_initials": teacher.name_initials,
        "school": {"code": school.code, "name": school.name, "short_name": school.short_name},
        "gender": teacher.gender,
        "gender_label": teacher.get_gender_display() if teacher.gender else "",
        "title": teacher.title,
        "title_label": teacher.get_title_display(),
        "position": teacher.position,
        "department": teacher.department,
        "expertise": teacher.expertise_list,
        "bio": teacher.bio,
        "phone": teacher.shown_phone,
        "email": teacher.shown_email,
        "is_invited": teacher.is_invited,
        "employer": teacher.employer,
        "post": teacher.post,
        "is_active": teacher.is_active,
        "scope": teacher.scope,
        "scope_label": teacher.get_scope_display(),
        "created_at": teacher.created_at,
        "updated_at": teacher.updated_at,
    }


@router.get("/", response=TeacherPage, summary="教师列表")
def list_teachers(request, filters: Query[TeacherFilters], paging: Query[PageParams]):
    asked = filters.dict()
    return page_of(
        selectors.teachers_visible_to(request.auth, **asked),
        paging,
        lambda teacher: teacher_out(teacher, request.auth),
        cap=count_cap(asked),
    )


@router.get("/{int:teacher_id}", response=TeacherOut, summary="教师详情")
def get_teacher(request, teacher_id: int):
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)


@router.post("/", response={201: TeacherOut}, auth=SignedIn(), summary="添加教师")
def create_teacher(request, payload: TeacherIn):
    data = payload.dict()
    school = school_by_code(data.pop("school_code"), field="school_code")
    sharing = resolve_sharing(data.pop("alliance_ids"), data.pop("partnership_ids"))
    data["gender"] = data["gender"] or ""
    teacher = services.create_teacher(by=request.auth, school=school, **data, **sharing)
    return Status(
        201, teacher_out(Teacher.objects.select_related("owner_school").get(pk=teacher.pk), request.auth)
    )


@router.patch("/{int:teacher_id}", response=TeacherOut, auth=SignedIn(), summary="修改教师")
def update_teacher(request, teacher_id: int, payload: TeacherPatch):
    teacher = selectors.access_teacher(request.auth, teacher_id)
    changes = payload.dict(exclude_unset=True)
    for key in [k for k, v in changes.items() if v is None]:
        if key not in ("alliance_ids", "partnership_ids", "gender"):
            raise DomainError("字段不能为空值（null）。", field=key)
    if "gender" in changes:
        changes["gender"] = changes["gender"] or ""
    changes.update(resolve_sharing(changes.pop("alliance_ids", None), changes.pop("partnership_ids", None)))
    services.update_teacher(by=request.auth, teacher=teacher, **changes)
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)


@router.post("/{int:teacher_id}/retire", response=TeacherOut, auth=SignedIn(), summary="停用教师")
def retire_teacher(request, teacher_id: int):
    teacher = selectors.access_teacher(request.auth, teacher_id)
    services.retire_teacher(by=request.auth, teacher=teacher)
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)

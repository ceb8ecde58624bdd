"""师资库 JSON API: list, detail, create, update, retire — through the same selectors and services as the pages."""

from ninja import Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.errors import DomainError
from yiwang.core.pagination import paginate_capped
from yiwang.network.context import viewer_context
from yiwang.network.models import Alliance, School, SupportPartnership

from . import selectors, services
from .enums import AcademicTitle
from .models import Teacher
from .schemas import TeacherIn, TeacherOut, TeacherPage, TeacherPatch

PREFIX = "faculty"
router = Router(tags=["师资库"])
MAX_PAGE_SIZE = 100


class TeacherFilters(Schema):
    school: str | None = None
    q: str | None = None
    title: AcademicTitle | None = None
    department: str | None = None
    invited: bool | None = None
    status: str = "active"
    sort: str = "name"
    page: int = 1
    page_size: int = 50


def page_of(qs, page: int, page_size: int) -> dict:
    """``{"count", "count_capped", "page", "page_size", "num_pages", "items"}`` (items still objects).

    ``count`` is exact up to 10 000; above that it is 10 000 and ``count_capped`` is true.
    """
    if page < 1:
        raise DomainError("页码应从 1 开始。", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise DomainError(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间。", field="page_size")
    result = paginate_capped(qs, page, page_size)
    if result.number != page:  # past the last page: an empty page, not the last one again
        return {
            "count": result.count,
            "count_capped": result.count_capped,
            "page": page,
            "page_size": page_size,
            "num_pages": result.num_pages,
            "items": [],
        }
    return {
        "count": result.count,
        "count_capped": result.count_capped,
        "page": page,
        "page_size": page_size,
        "num_pages": result.num_pages,
        "items": result.items,
    }


def teacher_out(teacher: Teacher, viewer) -> dict:
    full = teacher.owner_school_id in viewer_context(viewer).school_ids
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
        "phone": teacher.phone if full else selectors.mask_phone(teacher.phone),
        "email": teacher.email if full else selectors.mask_email(teacher.email),
        "is_invited": teacher.is_invited,
        "employer": teacher.employer,
        "post": teacher.post,
        "is_active": teacher.is_active,
        "scope": teacher.scope,
        "scope_label": teacher.get_scope_display(),
        "created_at": teacher.created_at,
        "updated_at": teacher.updated_at,
    }


def sharing_objects(alliance_ids, partnership_ids) -> dict:
    """Alliances and partnerships by id; unknown ids → a Chinese error (ownership checked by the service)."""
    alliances = list(Alliance.objects.filter(pk__in=alliance_ids or []))
    partnerships = list(SupportPartnership.objects.filter(pk__in=partnership_ids or []))
    if len(alliances) != len(set(alliance_ids or [])):
        raise DomainError("所选联盟不存在。", field="alliance_ids")
    if len(partnerships) != len(set(partnership_ids or [])):
        raise DomainError("所选对口支援关系不存在。", field="partnership_ids")
    return {"alliances": alliances, "partnerships": partnerships}


def school_by_code(code: str) -> School:
    school = School.objects.filter(code=code, is_active=True).first()
    if school is None:
        raise DomainError(f"未知的学校代码“{code}”。", field="school_code")
    return school


@router.get("/", response=TeacherPage, summary="教师列表")
def list_teachers(request, filters: Query[TeacherFilters]):
    data = filters.dict()
    page, page_size = data.pop("page"), data.pop("page_size")
    result = page_of(selectors.teachers_visible_to(request.auth, **data), page, page_size)
    result["items"] = [teacher_out(t, request.auth) for t in result["items"]]
    return result


@router.get("/{int:teacher_id}", response=TeacherOut, summary="教师详情")
def get_teacher(request, teacher_id: int):
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)


@router.post("/", response={201: TeacherOut}, auth=SignedIn(), summary="添加教师")
def create_teacher(request, payload: TeacherIn):
    data = payload.dict()
    school = school_by_code(data.pop("school_code"))
    sharing = sharing_objects(data.pop("alliance_ids"), data.pop("partnership_ids"))
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
    alliance_ids, partnership_ids = changes.pop("alliance_ids", None), changes.pop("partnership_ids", None)
    if alliance_ids is not None or partnership_ids is not None:
        sharing = sharing_objects(alliance_ids, partnership_ids)
        changes["alliances"] = sharing["alliances"] if alliance_ids is not None else None
        changes["partnerships"] = sharing["partnerships"] if partnership_ids is not None else None
    services.update_teacher(by=request.auth, teacher=teacher, **changes)
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)


@router.post("/{int:teacher_id}/retire", response=TeacherOut, auth=SignedIn(), summary="停用教师")
def retire_teacher(request, teacher_id: int):
    teacher = selectors.access_teacher(request.auth, teacher_id)
    services.retire_teacher(by=request.auth, teacher=teacher)
    return teacher_out(selectors.access_teacher(request.auth, teacher_id), request.auth)

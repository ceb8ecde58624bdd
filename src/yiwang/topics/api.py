"""讲题库 JSON API: list, detail, create, update, retire — through the same selectors and services as the pages."""

from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import Id, PageParams, page_of
from yiwang.core.errors import DomainError
from yiwang.core.pagination import count_cap
from yiwang.courses.models import TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.selectors import resolve_sharing, school_by_code
from yiwang.network.visibility import visible_to

from . import selectors, services
from .enums import Audience, DisciplineCategory, TeachingForm
from .models import Topic
from .schemas import TopicIn, TopicOut, TopicPage, TopicPatch

PREFIX = "topics"
router = Router(tags=["讲题库"])


class TopicFilters(Schema):
    school: str | None = None
    module: Id | None = None
    category: DisciplineCategory | None = None
    form: TeachingForm | None = None
    audience: Audience | None = None
    status: str = ""
    year: Annotated[int, Field(ge=1949, le=2100)] | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
    teacher: Id | None = None
    sort: str = "-updated"


def topic_out(topic: Topic) -> dict:
    school = topic.owner_school
    return {
        "id": topic.pk,
        "title": topic.title,
        "summary": topic.summary,
        "outline": topic.outline,
        "teachers": list(topic.teachers.all()),
        "school": {"code": school.code, "name": school.name, "short_name": school.short_name},
        "category": topic.category,
        "category_label": topic.get_category_display(),
        "form": topic.form,
        "form_label": topic.get_form_display(),
        "audiences": topic.audience_codes,
        "audience_labels": topic.audience_labels,
        "hours": float(topic.hours),
        "module": {"id": topic.module.pk, "name": topic.module.name} if topic.module_id else None,
        "keywords": topic.keywords_list,
        "status": topic.status,
        "status_label": topic.get_status_display(),
        "scope": topic.scope,
        "scope_label": topic.get_scope_display(),
        "created_at": topic.created_at,
        "updated_at": topic.updated_at,
    }


def teachers_by_id(viewer, ids) -> list[Teacher]:
    """The teachers named in a request; an id the viewer can't see is refused like a missing one."""
    ids = list(dict.fromkeys(ids))
    found = {t.pk: t for t in visible_to(Teacher.objects.filter(pk__in=ids), viewer)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(f"找不到编号为 {missing[0]} 的教师。", field="teacher_ids")
    return [found[i] for i in ids]


def module_by_id(module_id):
    if module_id is None:
        return None
    module = TeachingModule.objects.filter(pk=module_id).first()
    if module is None:
        raise DomainError("所选教学模块不存在。", field="module_id")
    return module


def fresh(viewer, topic_id: int) -> Topic:
    """The topic just written by ``viewer`` (who could see it a moment ago, even if now retired)."""
    return (
        Topic.objects.select_related("owner_school", "module")
        .prefetch_related(selectors.visible_teachers_prefetch(viewer))
        .get(pk=topic_id)
    )


@router.get("/", response=TopicPage, summary="讲题列表")
def list_topics(request, filters: Query[TopicFilters], paging: Query[PageParams]):
    asked = filters.dict()
    return page_of(
        selectors.topics_visible_to(request.auth, **asked), paging, topic_out, cap=count_cap(asked)
    )


@router.get("/{int:topic_id}", response=TopicOut, summary="讲题详情")
def get_topic(request, topic_id: int):
    return topic_out(selectors.access_topic(request.auth, topic_id))


@router.post("/", response={201: TopicOut}, auth=SignedIn(), summary="添加讲题")
def create_topic(request, payload: TopicIn):
    data = payload.dict()
    school = school_by_code(data.pop("school_code"), field="school_code")
    sharing = resolve_sharing(data.pop("alliance_ids"), data.pop("partnership_ids"))
    data["teachers"] = teachers_by_id(request.auth, data.pop("teacher_ids"))
    data["module"] = module_by_id(data.pop("module_id"))
    data["audiences"] = [str(a) for a in data["audiences"]]
    topic = services.create_topic(by=request.auth, school=school, **data, **sharing)
    return Status(201, topic_out(fresh(request.auth, topic.pk)))


@router.patch("/{int:topic_id}", response=TopicOut, auth=SignedIn(), summary="修改讲题")
def update_topic(request, topic_id: int, payload: TopicPatch):
    topic = selectors.access_topic(request.auth, topic_id)
    changes = payload.dict(exclude_unset=True)
    for key in [k for k, v in changes.items() if v is None]:
        if key not in ("module_id", "alliance_ids", "partnership_ids"):
            raise DomainError("字段不能为空值（null）。", field=key)
    if "scope" in changes and changes["scope"] not in SharingScope.values:
        raise DomainError("共享范围无效，只能是本校、本系统、协作、全网或公开。", field="scope")
    if "teacher_ids" in changes:
        changes["teachers"] = teachers_by_id(request.auth, changes.pop("teacher_ids"))
    if "module_id" in changes:
        changes["module"] = module_by_id(changes.pop("module_id"))
    if "audiences" in changes:
        changes["audiences"] = [str(a) for a in changes["audiences"]]
    changes.update(resolve_sharing(changes.pop("alliance_ids", None), changes.pop("partnership_ids", None)))
    services.update_topic(by=request.auth, topic=topic, **changes)
    return topic_out(fresh(request.auth, topic_id))


@router.post("/{int:topic_id}/retire", response=TopicOut, auth=SignedIn(), summary="停用讲题")
def retire_topic(request, topic_id: int):
    topic = selectors.access_topic(request.auth, topic_id)
    services.retire_topic(by=request.auth, topic=topic)
    return topic_out(fresh(request.auth, topic_id))

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from yiwang.core.api_support import PageOut
from yiwang.faculty.schemas import TeacherRef
from yiwang.network.schemas import SchoolRef, SharingIn

from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm


class ModuleRef(Schema):
    id: int
    name: str


class TopicOut(Schema):
    id: int
    title: str
    summary: str
    outline: str
    teachers: list[TeacherRef] = Field(description="仅列出查看者有权查看的授课教师")
    school: SchoolRef
    category: str
    category_label: str
    form: str
    form_label: str
    audiences: list[str]
    audience_labels: list[str]
    hours: float
    module: ModuleRef | None
    keywords: list[str]
    status: str
    status_label: str
    scope: str
    scope_label: str
    created_at: datetime
    updated_at: datetime


class TopicPage(PageOut):
    items: list[TopicOut]


class TopicIn(SharingIn):
    school_code: str = Field(description="所属学校代码")
    title: str = Field(max_length=200)
    teacher_ids: list[int] = Field(description="授课教师编号（至少一位）")
    category: DisciplineCategory
    form: TeachingForm
    audiences: list[Audience] = Field(default_factory=list)
    hours: Decimal = Field(Decimal("3"), gt=0, le=100, decimal_places=1)
    module_id: int | None = None
    keywords: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)
    outline: str = Field("", max_length=10000)
    status: PublicationStatus = PublicationStatus.DRAFT


class TopicPatch(Schema):
    title: str | None = Field(None, max_length=200)
    teacher_ids: list[int] | None = None
    category: DisciplineCategory | None = None
    form: TeachingForm | None = None
    audiences: list[Audience] | None = None
    hours: Decimal | None = Field(None, gt=0, le=100, decimal_places=1)
    module_id: int | None = None
    keywords: str | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=5000)
    outline: str | None = Field(None, max_length=10000)
    status: PublicationStatus | None = None
    scope: str | None = None
    alliance_ids: list[int] | None = None
    partnership_ids: list[int] | None = None

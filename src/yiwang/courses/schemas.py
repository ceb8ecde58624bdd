"""Typed API schemas of the course bank."""

from datetime import datetime
from typing import Annotated

from django.urls import reverse
from ninja import Field, Schema

from yiwang.core.api_support import Id, IdList, PageOut, Text, Year
from yiwang.faculty.schemas import TeacherRef
from yiwang.network.enums import SharingScope
from yiwang.network.schemas import ScopeOut, SharingIn, SharingOut

from .enums import CourseKind, CourseStatus, MaterialKind


class ModuleOut(Schema):
    id: int
    name: str
    description: str
    owner_school_code: str
    course_count: int

    @staticmethod
    def resolve_owner_school_code(obj) -> str:
        return obj.owner_school.code


class CourseOut(ScopeOut):
    id: int
    title: str
    module_id: int | None
    module_name: str | None
    kind: CourseKind
    kind_label: str
    place_name: str
    place_address: str
    summary: str
    keywords: str
    owner_school_code: str
    co_school_codes: list[str]
    teachers: list[TeacherRef]
    status: CourseStatus
    status_label: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_module_name(obj) -> str | None:
        return obj.module.name if obj.module_id else None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_owner_school_code(obj) -> str:
        return obj.owner_school.code

    @staticmethod
    def resolve_co_school_codes(obj) -> list[str]:
        return [s.code for s in obj.co_schools.all()]

    @staticmethod
    def resolve_teachers(obj) -> list:
        return list(obj.teachers.all())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class MaterialOut(Schema):
    id: int
    kind: MaterialKind
    kind_label: str
    title: str
    version: int
    has_file: bool
    file_name: str
    size_bytes: int
    link: str
    download_url: str
    note: str
    uploaded_by: str
    uploaded_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_has_file(obj) -> bool:
        return bool(obj.file)

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_download_url(obj) -> str:
        return reverse("courses:material_download", args=[obj.pk])

    @staticmethod
    def resolve_uploaded_by(obj) -> str:
        return obj.uploaded_by.full_name if obj.uploaded_by_id else ""

    @staticmethod
    def resolve_uploaded_at(obj) -> datetime:
        return obj.created_at


class CoursePage(PageOut):
    items: list[CourseOut]


class CourseDetailOut(CourseOut, SharingOut):
    materials: list[MaterialOut]
    can_edit: bool = False

    @staticmethod
    def resolve_materials(obj) -> list:
        return list(obj.materials.select_related("uploaded_by").order_by("kind", "title", "-version"))


class CourseFilters(Schema):
    school: str | None = Field(None, max_length=40, description="学校代码")
    module: Id | None = Field(None, description="教学模块编号")
    kind: CourseKind | None = None
    status: CourseStatus | None = Field(
        None, description="不填为已发布与精品课；草稿/审核中/停用仅编辑者可见"
    )
    year: Year | None = Field(None, description="添加年份")
    q: str | None = Field(None, max_length=100, description="课程名称、教学点或关键词")
    sort: str | None = Field(None, pattern="^(-updated|-created|title|school)$")


class CourseIn(SharingIn):
    school: str = Field(
        ..., max_length=40, description="所属学校代码（须是您担任管理员、教务、培训或科研人员的学校）"
    )
    title: str = Field(..., max_length=200)
    module_id: Id | None = None
    kind: CourseKind = CourseKind.CLASSROOM
    place_name: str = Field("", max_length=100)
    place_address: str = Field("", max_length=200)
    summary: Text = ""
    keywords: str = Field("", max_length=200)
    teacher_ids: IdList = []
    co_school_codes: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=50)] = []


class CoursePatch(Schema):
    title: str | None = Field(None, max_length=200)
    module_id: Id | None = None
    kind: CourseKind | None = None
    place_name: str | None = Field(None, max_length=100)
    place_address: str | None = Field(None, max_length=200)
    summary: Text | None = None
    keywords: str | None = Field(None, max_length=200)
    teacher_ids: IdList | None = None
    co_school_codes: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=50)] | None = None
    scope: SharingScope | None = None
    alliance_ids: IdList | None = None
    partnership_ids: IdList | None = None


class CourseStatusIn(Schema):
    status: CourseStatus

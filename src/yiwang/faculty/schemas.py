from datetime import datetime

from ninja import Field, Schema

from yiwang.core.api_support import PageOut
from yiwang.network.enums import SharingScope
from yiwang.network.schemas import SchoolRef, SharingIn

from .enums import AcademicTitle, Gender


class TeacherRef(Schema):
    """A teacher named by another bank's item (only teachers the viewer may see are listed)."""

    id: int
    name: str
    school_code: str

    @staticmethod
    def resolve_school_code(obj) -> str:
        return obj.owner_school.code


class TeacherOut(Schema):
    id: int
    name: str
    name_pinyin: str
    name_initials: str
    school: SchoolRef
    gender: str
    gender_label: str
    title: str
    title_label: str
    position: str
    department: str
    expertise: list[str]
    bio: str
    phone: str = Field(description="所属学校以外的查看者看到脱敏号码，如 138****5678")
    email: str = Field(description="所属学校以外的查看者看到脱敏邮箱，如 z***@example.com")
    is_invited: bool
    employer: str
    post: str
    is_active: bool
    scope: str
    scope_label: str
    created_at: datetime
    updated_at: datetime


class TeacherPage(PageOut):
    items: list[TeacherOut]


class TeacherIn(SharingIn):
    school_code: str = Field(description="所属学校代码")
    name: str = Field(max_length=40)
    gender: Gender | None = None
    title: AcademicTitle = AcademicTitle.OTHER
    position: str = Field("", max_length=60)
    department: str = Field("", max_length=60)
    expertise: str = Field("", max_length=300)
    bio: str = Field("", max_length=5000)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    is_invited: bool = False
    employer: str = Field("", max_length=100)
    post: str = Field("", max_length=100)


class TeacherPatch(Schema):
    name: str | None = Field(None, max_length=40)
    gender: Gender | None = None
    title: AcademicTitle | None = None
    position: str | None = Field(None, max_length=60)
    department: str | None = Field(None, max_length=60)
    expertise: str | None = Field(None, max_length=300)
    bio: str | None = Field(None, max_length=5000)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    is_invited: bool | None = None
    employer: str | None = Field(None, max_length=100)
    post: str | None = Field(None, max_length=100)
    scope: SharingScope | None = None
    alliance_ids: list[int] | None = None
    partnership_ids: list[int] | None = None

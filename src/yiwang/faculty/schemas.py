from datetime import datetime

from ninja import Field, Schema

from yiwang.network.enums import SharingScope

from .enums import AcademicTitle, Gender


class SchoolRef(Schema):
    code: str
    name: str
    short_name: str


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


class TeacherPage(Schema):
    count: int = Field(description="符合条件的条数；超过 10000 时为 10000，且 count_capped 为 true")
    count_capped: bool
    page: int
    page_size: int
    num_pages: int
    items: list[TeacherOut]


class SharingIn(Schema):
    scope: SharingScope = SharingScope.SYSTEM
    alliance_ids: list[int] = Field(default_factory=list, description="协作：共享给的联盟编号")
    partnership_ids: list[int] = Field(default_factory=list, description="协作：共享给的对口支援关系编号")


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

"""Typed API schemas of the research bank."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.urls import reverse
from ninja import Field, Schema

from yiwang.core.api_support import Id, IdList, PageOut, Text, Year
from yiwang.faculty.schemas import TeacherRef
from yiwang.network.enums import SharingScope
from yiwang.network.schemas import ScopeOut, SharingIn, SharingOut

from .enums import LeaderLevel, MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus

Day = Annotated[date, Field(ge=date(1949, 10, 1), le=date(2100, 12, 31))]
Funding = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2)]


class MemberOut(Schema):
    teacher: TeacherRef
    role: MemberRole
    role_label: str

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.get_role_display()


class MemberIn(Schema):
    teacher_id: Id
    role: MemberRole = MemberRole.MEMBER


class ProjectOut(ScopeOut):
    id: int
    title: str
    level: ProjectLevel
    level_label: str
    category: ProjectCategory
    category_label: str
    owner_school_code: str
    principal_investigator: TeacherRef | None
    members: list[MemberOut]
    summary: str
    keywords: str
    funding: Decimal
    start_date: date
    end_date: date
    status: ProjectStatus
    status_label: str
    updated_at: datetime

    @staticmethod
    def resolve_level_label(obj) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_category_label(obj) -> str:
        return obj.get_category_display()

    @staticmethod
    def resolve_owner_school_code(obj) -> str:
        return obj.owner_school.code

    @staticmethod
    def resolve_principal_investigator(obj):
        """Only if the viewer may see that teacher (members are prefetched through the visibility rule)."""
        return next((m.teacher for m in obj.visible_memberships if m.role == MemberRole.PRINCIPAL), None)

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.visible_memberships)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class ProjectPage(PageOut):
    items: list[ProjectOut]


class ProjectDetailOut(ProjectOut, SharingOut):
    can_edit: bool = False


class ProjectFilters(Schema):
    school: str | None = Field(None, max_length=40, description="牵头学校代码")
    level: ProjectLevel | None = None
    category: ProjectCategory | None = None
    status: ProjectStatus | None = None
    year: Year | None = Field(None, description="在该年度内进行的课题")
    q: str | None = Field(None, max_length=100)
    teacher: Id | None = Field(None, description="负责人或成员的教师编号")
    sort: str | None = Field(None, pattern="^(-start|-updated|title|-funding)$")


class ProjectIn(SharingIn):
    school: str = Field(..., max_length=40, description="牵头学校代码（须是您担任管理员或科研人员的学校）")
    title: str = Field(..., max_length=200)
    level: ProjectLevel
    category: ProjectCategory
    principal_investigator_id: Id
    members: Annotated[list[MemberIn], Field(max_length=100)] = []
    funding: Funding = Decimal("0")
    start_date: Day
    end_date: Day
    status: ProjectStatus = ProjectStatus.APPLYING
    summary: Text = ""
    keywords: str = Field("", max_length=200)


class ProjectPatch(Schema):
    title: str | None = Field(None, max_length=200)
    level: ProjectLevel | None = None
    category: ProjectCategory | None = None
    principal_investigator_id: Id | None = None
    members: Annotated[list[MemberIn], Field(max_length=100)] | None = None
    funding: Funding | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    summary: Text | None = None
    keywords: str | None = Field(None, max_length=200)
    scope: SharingScope | None = None
    alliance_ids: IdList | None = None
    partnership_ids: IdList | None = None


class ProjectStatusIn(Schema):
    status: ProjectStatus


class EndorsementOut(Schema):
    id: int
    output_id: int
    leader_level: LeaderLevel
    leader_level_label: str
    endorsed_on: date
    summary: str
    verified: bool
    status_label: str
    verified_by: str | None
    verified_at: datetime | None
    evidence_url: str | None

    @staticmethod
    def resolve_leader_level_label(obj) -> str:
        return obj.get_leader_level_display()

    @staticmethod
    def resolve_verified(obj) -> bool:
        return obj.verified_at is not None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return "已核实" if obj.verified_at else "待核实"

    @staticmethod
    def resolve_verified_by(obj) -> str | None:
        return (obj.verified_by.full_name or obj.verified_by.username) if obj.verified_by_id else None

    @staticmethod
    def resolve_evidence_url(obj) -> str | None:
        return reverse("research:endorsement_evidence", args=[obj.pk]) if obj.evidence else None


class OutputOut(ScopeOut):
    id: int
    kind: OutputKind
    kind_label: str
    title: str
    authors: list[TeacherRef]
    author_text: str
    abstract: str
    keywords: str
    published_on: date
    venue: str
    project_id: int | None
    project_title: str | None
    owner_school_code: str
    file_url: str | None
    file_name: str
    verified_endorsements: int
    is_active: bool
    updated_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_authors(obj) -> list:
        return list(obj.authors.all())

    @staticmethod
    def resolve_project_id(obj) -> int | None:
        return obj.project_id if obj.project_id and obj.project_visible else None

    @staticmethod
    def resolve_project_title(obj) -> str | None:
        return obj.project.title if obj.project_id and obj.project_visible else None

    @staticmethod
    def resolve_owner_school_code(obj) -> str:
        return obj.owner_school.code

    @staticmethod
    def resolve_file_url(obj) -> str | None:
        return reverse("research:output_file", args=[obj.pk]) if obj.file else None

    @staticmethod
    def resolve_verified_endorsements(obj) -> int:
        return obj.verified_count


class OutputPage(PageOut):
    items: list[OutputOut]


class OutputDetailOut(OutputOut, SharingOut):
    endorsements: list[EndorsementOut]
    can_edit: bool = False

    @staticmethod
    def resolve_endorsements(obj) -> list:
        return list(obj.endorsements.select_related("verified_by").order_by("-endorsed_on", "-id"))


class OutputFilters(Schema):
    school: str | None = Field(None, max_length=40)
    kind: OutputKind | None = None
    year: Year | None = None
    q: str | None = Field(None, max_length=100)
    project: Id | None = None
    teacher: Id | None = Field(None, description="作者的教师编号")
    endorsed: bool | None = Field(None, description="true：有已核实批示；false：没有")
    status: str | None = Field(
        None, pattern="^(retired|all)$", description="retired/all：仅本校科研人员可见停用成果"
    )
    sort: str | None = Field(None, pattern="^(-date|-endorsements|title)$")


class OutputIn(SharingIn):
    school: str = Field(..., max_length=40)
    kind: OutputKind
    title: str = Field(..., max_length=200)
    author_ids: IdList = []
    author_text: str = Field("", max_length=200)
    published_on: Day
    venue: str = Field("", max_length=200)
    project_id: Id | None = None
    abstract: Text = ""
    keywords: str = Field("", max_length=200)


class OutputPatch(Schema):
    kind: OutputKind | None = None
    title: str | None = Field(None, max_length=200)
    author_ids: IdList | None = None
    author_text: str | None = Field(None, max_length=200)
    published_on: Day | None = None
    venue: str | None = Field(None, max_length=200)
    project_id: Id | None = None
    abstract: Text | None = None
    keywords: str | None = Field(None, max_length=200)
    scope: SharingScope | None = None
    alliance_ids: IdList | None = None
    partnership_ids: IdList | None = None


class EndorsementIn(Schema):
    leader_level: LeaderLevel
    endorsed_on: Day
    summary: str = Field("", max_length=2000)


class SchoolRankOut(Schema):
    school_code: str
    school_name: str
    total: int
    outputs: int
    national: int
    provincial: int
    municipal: int
    county: int


class OutputRankOut(Schema):
    id: int
    title: str
    school_code: str
    verified_endorsements: int
    national: int
    provincial: int
    municipal: int
    county: int


class RankingOut(Schema):
    schools: list[SchoolRankOut]
    outputs: list[OutputRankOut]

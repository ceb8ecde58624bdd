"""API schemas of 合备一门课."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from yiwang.core.api_support import Id, IdList, PageOut


class SchoolRef(Schema):
    id: int
    code: str
    name: str


class MemberOut(Schema):
    id: int
    user_id: int
    name: str
    role: str
    role_label: str
    school_code: str


class PlanOut(Schema):
    stage: str
    stage_label: str
    due_date: date | None
    reached_at: datetime | None


class ProjectOut(Schema):
    id: int
    title: str
    module_id: int
    module_name: str
    stage: str
    stage_label: str
    course_id: int
    lead_school: SchoolRef
    schools: list[SchoolRef]
    updated_at: datetime


class ProjectDetailOut(ProjectOut):
    summary: str
    team: list[MemberOut]
    plan: list[PlanOut]


class ProjectPage(PageOut):
    items: list[ProjectOut]


class ProjectIn(Schema):
    school_code: str = Field(description="牵头学校代码")
    title: str = Field(max_length=200)
    module_id: Id
    summary: str = Field("", max_length=3000)
    place_name: str = Field("", max_length=100)
    school_ids: IdList = Field(default_factory=list, description="参与学校")
    plan: dict[str, date | None] = Field(default_factory=dict, description="阶段 → 计划完成日期")


class TaskOut(Schema):
    id: int
    title: str
    assignee_id: int
    assignee_name: str
    due_date: date
    status: str
    status_label: str
    overdue: bool


class TaskIn(Schema):
    title: str = Field(max_length=200)
    assignee_id: Id = Field(description="项目组成员 id")
    due_date: date


class SheetOut(Schema):
    reviewer: str
    reviewer_school: str
    status: str
    total: Decimal | None
    comment: str


class RoundOut(Schema):
    id: int
    project_id: int
    number: int
    status: str
    blind: bool
    decision: str
    decision_label: str
    reasons: str
    average: Decimal | None
    spread: Decimal | None
    sheets: list[SheetOut]


class AdoptionOut(Schema):
    id: int
    kind: str = Field(description="course（课程）或 topic（讲题）")
    course_id: int | None
    topic_id: int | None
    title: str
    adopter_school: SchoolRef
    based_on: int | None = Field(description="课程：所依据的版本号；讲题为 null")
    latest: int | None = Field(description="课程：最新版本号；讲题为 null")
    based_on_at: datetime | None = Field(description="讲题：所依据的讲题修改时间；课程为 null")
    latest_at: datetime | None = Field(description="讲题：讲题的最新修改时间；课程为 null")
    behind: int = Field(description="课程：落后的版本数；讲题：有未接收的修改时为 1")
    local_place: str
    local_notes: str


class AdoptionPage(PageOut):
    items: list[AdoptionOut]


class AdoptionIn(Schema):
    school_code: str
    local_place: str = Field("", max_length=100)
    local_notes: str = Field("", max_length=3000)


class CountsOut(Schema):
    in_progress: int
    published: int
    adoptions: int = Field(description="课程被引用次数")
    topic_adoptions: int = Field(description="讲题被引用次数")
    reviews_done: int

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
    course_id: int
    title: str
    adopter_school: SchoolRef
    based_on: int
    latest: int
    behind: int
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
    adoptions: int
    reviews_done: int

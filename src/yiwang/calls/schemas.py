"""JSON shapes of 共研一个题 (same services and selectors as the pages)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from yiwang.core.api_support import Id, PageOut, Text


class CallOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    year: int
    school_code: str
    school_name: str
    scope: str
    funding_pool: Decimal
    per_project_cap: Decimal
    opens_at: datetime
    closes_at: datetime
    phase: str
    phase_label: str
    required_attachments: list[str]
    guide_topics: list[dict] = []


class CallPage(PageOut):
    items: list[CallOut]


class TeamMemberOut(Schema):
    teacher_id: int
    name: str
    school_code: str
    role: str
    confirmed: bool


class BudgetLineOut(Schema):
    id: int
    category: str
    category_label: str
    description: str
    amount: Decimal
    spent: Decimal


class ApplicationOut(Schema):
    id: int
    call_id: int
    title: str
    guide_topic: str | None
    home_school_code: str
    principal: str
    status: str
    status_label: str
    budget_total: Decimal
    granted_amount: Decimal | None
    project_id: int | None
    submitted_at: datetime | None


class ApplicationDetailOut(ApplicationOut):
    summary: str
    rationale: str
    plan: str
    expected_outputs: str
    team: list[TeamMemberOut]
    budget_lines: list[BudgetLineOut]


class ApplicationPage(PageOut):
    items: list[ApplicationOut]


class BudgetLineIn(Schema):
    category: str = Field(max_length=12)
    amount: Decimal = Field(ge=0, le=Decimal("99999999.99"))
    description: str = Field("", max_length=200)


class ApplicationIn(Schema):
    title: str = Field(max_length=200)
    guide_topic: Id | None = None
    summary: Text = ""
    rationale: Text = ""
    plan: Text = ""
    expected_outputs: Text = ""
    budget_total: Decimal = Field(ge=0, le=Decimal("99999999.99"))
    budget_lines: list[BudgetLineIn] = Field(default_factory=list, max_length=20)
    members: list[Id] = Field(default_factory=list, max_length=15)


class SheetOut(Schema):
    id: int
    application_id: int
    reviewer: str | None = Field(description="评审人姓名（只有发布单位可见）")
    status: str
    total: Decimal | None
    submitted_at: datetime | None


class ReviewSummaryOut(Schema):
    submitted: int
    assigned: int
    average: Decimal | None
    spread: Decimal | None
    stdev: Decimal | None
    sheets: list[SheetOut]


class ScoresIn(Schema):
    scores: dict[str, Decimal] = Field(description="指标编号 → 得分")
    comments: dict[str, str] = Field(default_factory=dict)
    comment: str = Field("", max_length=3000)


class MilestoneOut(Schema):
    id: int
    kind: str
    kind_label: str
    due_on: date
    status: str
    status_label: str
    submitted_at: datetime | None


class ExpenseIn(Schema):
    line: Id
    spent_on: date
    amount: Decimal = Field(gt=0, le=Decimal("99999999.99"))
    note: str = Field("", max_length=200)


class ExpenseOut(Schema):
    id: int
    line_id: int
    spent_on: date
    amount: Decimal
    note: str


class EndorsementOut(Schema):
    id: int
    output_id: int
    output_title: str
    leader_level: str
    leader_level_label: str
    endorsed_on: date
    verified: bool


class RankingRowOut(Schema):
    name: str
    reports: int
    endorsed: int
    total: int
    rate: Decimal
    n_national: int
    n_provincial: int
    n_municipal: int
    n_county: int


class CountsOut(Schema):
    calls: int
    applications: int
    granted: int
    funding: Decimal
    concluded_rate: Decimal
    reports: int
    endorsements: int

from datetime import date, datetime, time

from ninja import Field, Schema

from yiwang.core.api_support import Id, IdList, PageOut
from yiwang.network.schemas import SharingIn


class SiteOut(Schema):
    id: int
    name: str
    school_code: str
    school_name: str
    operator_kind: str
    operator_name: str
    address: str
    latitude: float | None
    longitude: float | None
    themes: list[str]
    theme_labels: list[str]
    capacity: int
    opens_at: time
    closes_at: time
    open_weekdays: str
    is_active: bool
    scope: str
    scope_label: str


class SitePage(PageOut):
    items: list[SiteOut]


class SiteDetailOut(SiteOut):
    summary: str
    contact: str
    guide_ids: list[int]
    course_ids: list[int]
    blackouts: list[dict]
    visit_rating: dict | None


class SiteIn(SharingIn):
    school: str = Field(description="所属学校代码")
    name: str = Field(max_length=100)
    address: str = Field(max_length=200)
    capacity: int = Field(ge=1, le=5000)
    opens_at: time
    closes_at: time
    open_weekdays: str = Field("1234567", max_length=7)
    operator_kind: str = "school"
    operator_name: str = Field("", max_length=100)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    themes: list[str] = Field(default_factory=list, max_length=10)
    summary: str = Field("", max_length=5000)
    contact: str = Field("", max_length=100)
    guide_ids: IdList = Field(default_factory=list)
    course_ids: IdList = Field(default_factory=list)


class BookingIn(Schema):
    school: str = Field(description="预约学校代码")
    starts_at: datetime
    ends_at: datetime
    group_size: int = Field(ge=1, le=100000)
    purpose: str = Field(max_length=200)
    note: str = Field("", max_length=2000)


class DecisionIn(Schema):
    note: str = Field("", max_length=500)


class EvaluationIn(Schema):
    content: int = Field(ge=1, le=5)
    guiding: int = Field(ge=1, le=5)
    arrangements: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)


class BookingOut(Schema):
    id: int
    request_id: int
    site_id: int
    site_name: str
    owner_school_code: str
    requesting_school_code: str
    starts_at: datetime
    ends_at: datetime
    group_size: int
    purpose: str
    status: str
    status_label: str


class BookingPage(PageOut):
    items: list[BookingOut]


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    status: str
    label: str
    booking_id: Id | None


class CalendarOut(Schema):
    site_id: int
    start: date
    end: date
    slots: list[SlotOut]
    blackouts: list[dict]

from datetime import date, datetime

from ninja import Field, Schema

from yiwang.core.api_support import Id, PageOut


class SpaceOut(Schema):
    id: int
    name: str
    alliance_id: int | None
    partnership_id: int | None


class MemberOut(Schema):
    school_code: str
    school_name: str
    contact_name: str
    contact_position: str
    contact_phone: str
    contact_email: str


class ChairOut(Schema):
    school_code: str
    starts_on: date
    ends_on: date


class SpaceDetailOut(SpaceOut):
    intro: str
    members: list[MemberOut]
    chair: ChairOut | None
    mechanisms: list[str]
    mechanism_labels: list[str]


class MeetingOut(Schema):
    id: int
    space_id: int
    kind: str
    kind_label: str
    title: str
    held_on: date
    place: str
    host_school_code: str
    agenda: str
    attendee_school_codes: list[str]
    attendees: str
    minutes: str


class MeetingPage(PageOut):
    items: list[MeetingOut]


class MeetingIn(Schema):
    kind: str = "joint"
    title: str = Field(max_length=200)
    held_on: date
    place: str = Field("", max_length=120)
    host_school: str
    agenda: str = Field("", max_length=5000)
    attendee_schools: list[str] = Field(default_factory=list, max_length=100)
    attendees: str = Field("", max_length=3000)


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    text: str
    owner_school_code: str
    due_on: date
    status: str
    status_label: str
    is_overdue: bool
    done_at: datetime | None
    done_note: str


class ResolutionPage(PageOut):
    items: list[ResolutionOut]


class ResolutionIn(Schema):
    text: str = Field(max_length=500)
    owner_school: str | None = None
    due_on: date | None = None


class DoneIn(Schema):
    note: str = Field("", max_length=500)


class NewsOut(Schema):
    id: int
    space_id: int
    space_name: str
    school_code: str
    title: str
    body: str
    is_public: bool
    published_at: datetime
    image_count: int


class NewsPage(PageOut):
    items: list[NewsOut]


class NewsIn(Schema):
    school: str
    title: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    is_public: bool = False


class RecordOut(Schema):
    on: date
    label: str
    url: str


class ProgressOut(Schema):
    target_id: Id
    year: int
    metric: str
    metric_label: str
    target: int
    count: int
    percent: int
    records: list[RecordOut]


class AgreementOut(Schema):
    id: int
    title: str
    alliance_id: int | None
    partnership_id: int | None
    starts_on: date
    ends_on: date
    signed_on: date | None


class AgreementPage(PageOut):
    items: list[AgreementOut]


class AgreementDetailOut(AgreementOut):
    note: str
    progress: list[ProgressOut]


class TargetIn(Schema):
    year: int = Field(ge=2000, le=2100)
    metric: str
    target: int = Field(ge=1, le=100000)

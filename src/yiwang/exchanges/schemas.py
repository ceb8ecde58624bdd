from datetime import date, datetime

from ninja import Field, Schema

from yiwang.core.api_support import PageOut


class RequestOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    from_school: str
    to_school: str | None
    to_alliance: str | None
    status: str
    status_label: str
    starts_at: datetime | None
    ends_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    waiting_days: int | None


class RequestPage(PageOut):
    items: list[RequestOut]


class RequestIn(Schema):
    from_school: str = Field(description="发起学校代码")
    to_school: str | None = Field(None, description="接收学校代码（与 to_alliance 二选一）")
    to_alliance: int | None = Field(None, description="接收联盟 id")
    title: str = Field(max_length=200)
    body: str = Field("", max_length=5000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class DecisionIn(Schema):
    note: str = Field("", max_length=500)
    teacher_id: int | None = Field(None, ge=1, description="派出教师（师资需求类请求接受时指定）")


class CommentIn(Schema):
    body: str = Field(max_length=3000)


class CommentOut(Schema):
    id: int
    author: str
    school: str
    body: str
    created_at: datetime


class EventOut(Schema):
    actor: str
    verb: str
    status: str
    note: str
    created_at: datetime


class RequestDetailOut(RequestOut):
    comments: list[CommentOut]
    events: list[EventOut]


class ConflictOut(Schema):
    kind: str
    message: str


class DispatchOut(Schema):
    id: int
    request_id: int
    status: str
    from_school: str
    to_school: str | None = Field(description="派出学校代码（联盟请求被成员学校接受前为空）")
    to_alliance: str | None = Field(None, description="接收联盟（向联盟发起时）")
    teacher_id: int | None
    teacher_name: str | None
    need: str
    topic_title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    city: str
    session_id: int | None
    teacher_confirmed: bool


class DispatchPage(PageOut):
    items: list[DispatchOut]


class DispatchIn(Schema):
    from_school: str = Field(description="请求学校代码")
    to_school: str | None = Field(None, description="教师所在学校代码（与 to_alliance 二选一）")
    to_alliance: int | None = Field(
        None, description="接收联盟 id：由接受请求的成员学校指定教师（须填 need）"
    )
    teacher_id: int | None = Field(None, ge=1)
    need: str = Field("", max_length=300)
    topic_title: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime
    place: str = Field("", max_length=120)
    class_id: int = Field(ge=1, description="本校班次 id（派来的教师在该班次授课）")
    body: str = Field("", max_length=5000)


class ConflictCheckIn(Schema):
    teacher_id: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    school: str = Field(description="授课学校代码（决定城市，用于判断行程冲突）")


class HostingOut(Schema):
    id: int
    request_id: int
    kind: str
    status: str
    title: str
    guest_school: str
    host_school: str | None = Field(description="承办学校代码（联盟请求被成员学校接受前为空）")
    to_alliance: str | None = Field(None, description="接收联盟（向联盟发起时）")
    start_date: date
    end_date: date
    planned_trainees: int
    class_id: int | None
    class_status: str | None
    trainees: int


class HostingPage(PageOut):
    items: list[HostingOut]


class HostingIn(Schema):
    from_school: str = Field(description="委托学校代码")
    to_school: str | None = Field(None, description="承办学校代码（与 to_alliance 二选一）")
    to_alliance: int | None = Field(None, description="接收联盟 id：由首先接受的成员学校承办")
    kind: str = Field("hosting", description="hosting（培训互接）或 class_exchange（班次互派）")
    title: str = Field(max_length=200)
    class_kind: str = "young"
    start_date: date
    end_date: date
    planned_trainees: int = Field(0, ge=0, le=500)
    body: str = Field("", max_length=5000)


class PlanSessionOut(Schema):
    id: int
    date: date
    starts_at: datetime
    ends_at: datetime
    title: str
    form: str
    form_label: str
    lecturer: str
    place: str
    credit_hours: float
    is_cancelled: bool


class HostingDetailOut(HostingOut):
    plan: list[PlanSessionOut]

from datetime import date, datetime

from ninja import Field, Schema


class ClassOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    term: str
    start_date: date
    end_date: date
    trainee_count: int
    status: str
    status_label: str
    scope: str
    school_code: str
    school_name: str
    session_count: int


class SessionOut(Schema):
    id: int
    class_id: int
    class_name: str
    school_code: str
    date: date
    starts_at: datetime
    ends_at: datetime
    title: str
    topic_id: int | None
    teacher_id: int | None
    lecturer: str
    place: str
    form: str
    form_label: str
    module_id: int | None
    credit_hours: float
    is_open: bool
    visiting_seats: int
    seats_taken: int
    seats_left: int
    requires_approval: bool
    quota_per_school: int | None
    signup_opens_at: datetime | None
    signup_closes_at: datetime | None
    is_cancelled: bool
    sequence: int


class ClassDetailOut(ClassOut):
    sessions: list[SessionOut]


class SignUpOut(Schema):
    id: int
    session_id: int
    session_title: str
    starts_at: datetime
    status: str
    status_label: str
    waitlist_position: int | None
    home_school_code: str
    checked_in_at: datetime | None
    hours: float | None
    message: str


class CheckInIn(Schema):
    token: str = Field(..., description="二维码中的签名令牌（/classes/q/<token>/ 中的 token）")


class CheckInOut(Schema):
    sign_up_id: int
    session_id: int
    checked_in_at: datetime
    hours: float


class EvaluationIn(Schema):
    token: str = Field(..., description="二维码中的签名令牌")
    device_id: str = Field(
        "", description="未登录时必填：客户端生成并保存的设备标识（16–64 个字符）", max_length=64
    )
    relevance: int = Field(..., description="现实针对性 0–20")
    theory: int = Field(..., description="理论性 0–20")
    information: int = Field(..., description="信息量 0–20")
    delivery: int = Field(..., description="语言表达 0–20")
    manner: int = Field(..., description="教风教态 0–20")
    comment: str = Field("", max_length=1000)
    ticket: str = Field("", description="未登录时必填：POST /evaluations/tickets 发放的一次性评课凭证")


class RatingTicketIn(Schema):
    token: str = Field(..., description="二维码中的签名令牌")


class RatingTicketOut(Schema):
    ticket: str


class EvaluationOut(Schema):
    id: int
    session_id: int
    total: int
    message: str

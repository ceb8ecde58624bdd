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
    enrolment: str = Field(description="session（按场次旁听报名）/ programme（整期报名）")
    programme_seats_left: int = Field(description="整期报名的剩余名额（按场次报名的班次为 0）")


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


class EnrolmentOut(Schema):
    id: int
    class_id: int
    class_name: str
    status: str
    status_label: str
    home_school_code: str
    sessions: int = Field(description="随整期报名确认的课程节数")
    completion: str = Field(description="completed（结业）/ not_completed（未结业）/ 空（尚未确认）")
    attended_sessions: int
    total_sessions: int
    hours: float


class RosterRowOut(Schema):
    enrolment_id: int
    username: str
    name: str
    school_code: str
    attended: list[bool] = Field(description="按课程表顺序，每节课是否签到")
    attended_count: int
    hours: float
    completion: str


class RosterOut(Schema):
    class_id: int
    session_ids: list[int]
    counted_sessions: int = Field(description="计入出勤的课程节数（不含已取消）")
    completion_percent: int
    rows: list[RosterRowOut]

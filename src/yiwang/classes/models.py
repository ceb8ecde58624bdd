"""同听一堂课: training classes (班次), their sessions (课程安排), visitors' sign-ups
(旁听报名) with a waitlist, check-ins with credited hours (学时), ratings (评课)
and private calendar feeds (日历订阅)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable
from yiwang.topics.enums import TeachingForm

from .enums import (
    ACTIVE_SIGN_UP_STATUSES,
    INDICATOR_MAX,
    ClassKind,
    ClassStatus,
    CompletionStatus,
    EnrolmentMode,
    EnrolmentStatus,
    FeedKind,
    SignUpStatus,
)


class TrainingClass(Shareable, TimeStampedModel):
    """班次. ``owner_school`` is the school running it; ``scope`` says who sees its schedule."""

    name = models.CharField("班次名称", max_length=120)
    kind = models.CharField("班次类型", max_length=12, choices=ClassKind.choices)
    term = models.CharField("学期", max_length=40, blank=True, help_text="例如：2026年秋季学期")
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    trainee_count = models.PositiveIntegerField("学员人数", default=0)
    head_teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name="班主任",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状态", max_length=12, choices=ClassStatus.choices, default=ClassStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # 整期报名 (programme enrolment): workshops and faculty-training programmes are joined as a whole.
    enrolment = models.CharField(
        "报名方式", max_length=10, choices=EnrolmentMode.choices, default=EnrolmentMode.SESSION
    )
    programme_seats = models.PositiveIntegerField("整期名额", default=0)
    programme_taken = models.PositiveIntegerField("已报名人数", default=0)
    enrolment_closes_at = models.DateTimeField(
        "整期报名截止", null=True, blank=True, help_text="留空则在第一节课开始时截止"
    )
    completion_percent = models.PositiveSmallIntegerField(
        "结业出勤要求（%）", default=80, help_text="出勤场次达到该比例即可结业"
    )
    completed_at = models.DateTimeField("结业确认时间", null=True, blank=True)

    class Meta(Shareable.Meta):
        verbose_name = "班次"
        ordering = ["-start_date", "id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=ClassKind.values), name="class_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ClassStatus.values), name="class_status_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="class_ends_after_start"),
            models.CheckConstraint(
                condition=Q(enrolment__in=EnrolmentMode.values), name="class_enrolment_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(programme_taken__lte=F("programme_seats")), name="class_programme_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(completion_percent__gte=1, completion_percent__lte=100),
                name="class_completion_percent_range",
            ),
        ]
        indexes = [models.Index(fields=["owner_school", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status != ClassStatus.DRAFT

    @property
    def is_programme(self) -> bool:
        return self.enrolment == EnrolmentMode.PROGRAMME

    @property
    def programme_seats_left(self) -> int:
        return max(self.programme_seats - self.programme_taken, 0)


class Session(TimeStampedModel):
    """One lesson of a class. Sessions follow their class's visibility.

    ``starts_at``/``ends_at`` repeat date + times as aware datetimes (set by the
    services) so overlaps and feeds need no date arithmetic in SQL.
    """

    training_class = models.ForeignKey(
        TrainingClass, verbose_name="班次", on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField("日期")
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    topic = models.ForeignKey(
        "topics.Topic",
        verbose_name="讲题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="class_sessions",
    )
    title = models.CharField("课程名称", max_length=200)
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name="授课教师",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="class_sessions",
    )
    lecturer_name = models.CharField("外请讲师", max_length=60, blank=True, help_text="未在师资库中的讲师")
    place = models.CharField("教室或现场教学点", max_length=120, blank=True)
    form = models.CharField(
        "教学形式", max_length=20, choices=TeachingForm.choices, default=TeachingForm.LECTURE
    )
    module = models.ForeignKey(
        "courses.TeachingModule",
        verbose_name="教学模块",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="class_sessions",
    )
    credit_hours = models.DecimalField("学时", max_digits=4, decimal_places=1, default=3)
    is_open = models.BooleanField("开放旁听", default=False)
    visiting_seats = models.PositiveIntegerField("旁听席位", default=0)
    seats_taken = models.PositiveIntegerField("已占席位", default=0)
    waitlist_last = models.PositiveIntegerField(
        "候补已排号", default=0, help_text="最后发出的候补序号（下一位候补取其加一）"
    )
    signup_opens_at = models.DateTimeField("报名开始", null=True, blank=True)
    signup_closes_at = models.DateTimeField(
        "报名截止", null=True, blank=True, help_text="留空则开课前均可报名"
    )
    quota_per_school = models.PositiveIntegerField("每校名额", null=True, blank=True)
    requires_approval = models.BooleanField("需所在学校审批", default=False)
    is_cancelled = models.BooleanField("已取消", default=False)
    sequence = models.PositiveIntegerField(
        "修订次数", default=0, help_text="iCal SEQUENCE，发布后每次改动加一"
    )

    class Meta:
        verbose_name = "课程安排"
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_at_after_starts_at"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("visiting_seats")), name="session_seats_not_exceeded"
            ),
            models.CheckConstraint(condition=Q(form__in=TeachingForm.values), name="session_form_valid"),
            models.CheckConstraint(condition=Q(credit_hours__gte=0), name="session_hours_not_negative"),
        ]
        indexes = [
            models.Index(fields=["date", "start_time"], name="session_date_idx"),
            models.Index(fields=["training_class", "date"], name="session_class_date_idx"),
            models.Index(fields=["teacher", "date"], name="session_teacher_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%m-%d} {self.start_time:%H:%M} {self.title}"

    @property
    def seats_left(self) -> int:
        return max(self.visiting_seats - self.seats_taken, 0)

    @property
    def lecturer(self) -> str:
        return self.teacher.name if self.teacher_id else self.lecturer_name


class SignUp(models.Model):
    """A teacher's sign-up to audit (旁听) a session, on behalf of their home school."""

    session = models.ForeignKey(
        Session, verbose_name="课程", on_delete=models.CASCADE, related_name="sign_ups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报名人",
        on_delete=models.CASCADE,
        related_name="class_sign_ups",
    )
    home_school = models.ForeignKey(
        "network.School", verbose_name="所在学校", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=12, choices=SignUpStatus.choices)
    waitlist_position = models.PositiveIntegerField("候补序号", null=True, blank=True)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    enrolment = models.ForeignKey(
        "Enrolment",
        verbose_name="整期报名",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sign_ups",
        help_text="由整期报名生成的场次报名",
    )

    class Meta:
        verbose_name = "旁听报名"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=ACTIVE_SIGN_UP_STATUSES),
                name="one_active_sign_up_per_person",
            ),
            models.CheckConstraint(condition=Q(status__in=SignUpStatus.values), name="sign_up_status_valid"),
            models.CheckConstraint(
                condition=Q(status=SignUpStatus.WAITLISTED, waitlist_position__isnull=False)
                | (~Q(status=SignUpStatus.WAITLISTED) & Q(waitlist_position__isnull=True)),
                name="sign_up_waitlist_position_iff_waitlisted",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="sign_up_session_status_idx"),
            models.Index(fields=["user", "status"], name="sign_up_user_status_idx"),
            models.Index(fields=["home_school", "status"], name="sign_up_school_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.session}"


class Enrolment(models.Model):
    """整期报名: one registration for every session of a programme (a workshop or faculty-training
    programme). Each session gets a confirmed ``SignUp`` pointing here, so the existing QR check-in
    records attendance; completion (结业) is decided once, when the organiser confirms it."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name="班次", on_delete=models.CASCADE, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报名人", on_delete=models.CASCADE, related_name="enrolments"
    )
    home_school = models.ForeignKey(
        "network.School", verbose_name="所在学校", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    completion = models.CharField("结业情况", max_length=14, choices=CompletionStatus.choices, blank=True)
    attended_sessions = models.PositiveIntegerField("出勤场次", default=0)
    total_sessions = models.PositiveIntegerField("应出勤场次", default=0)
    hours = models.DecimalField("计入学时", max_digits=6, decimal_places=1, default=0)

    class Meta:
        verbose_name = "整期报名"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "user"],
                condition=Q(status="enrolled"),
                name="one_active_enrolment_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrolmentStatus.values), name="enrolment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(completion="") | Q(completion__in=CompletionStatus.values),
                name="enrolment_completion_valid",
            ),
            models.CheckConstraint(
                condition=Q(attended_sessions__lte=F("total_sessions")),
                name="enrolment_attended_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["training_class", "status"], name="enrolment_class_status_idx"),
            models.Index(fields=["user", "status"], name="enrolment_user_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.training_class}"

    @property
    def attendance_percent(self) -> int:
        return round(self.attended_sessions * 100 / self.total_sessions) if self.total_sessions else 0


class CheckIn(models.Model):
    """Attendance (签到) of a confirmed sign-up; credits the session's hours to the home school's record."""

    sign_up = models.OneToOneField(
        SignUp, verbose_name="报名", on_delete=models.CASCADE, related_name="check_in"
    )
    checked_in_at = models.DateTimeField("签到时间")
    hours = models.DecimalField("计入学时", max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = "签到"
        ordering = ["-checked_in_at"]
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="check_in_hours_not_negative")]

    def __str__(self) -> str:
        return f"{self.sign_up} 签到"


def _score_field(label: str):
    return models.PositiveSmallIntegerField(label)


class Evaluation(models.Model):
    """评课: one rating of a session by one person (a trainee or visitor; signing in is not required)."""

    session = models.ForeignKey(
        Session, verbose_name="课程", on_delete=models.CASCADE, related_name="evaluations"
    )
    relevance = _score_field("现实针对性")
    theory = _score_field("理论性")
    information = _score_field("信息量")
    delivery = _score_field("语言表达")
    manner = _score_field("教风教态")
    total = models.GeneratedField(
        expression=F("relevance") + F("theory") + F("information") + F("delivery") + F("manner"),
        output_field=models.PositiveSmallIntegerField("总分"),
        db_persist=True,
    )
    comment = models.TextField("意见建议", blank=True, max_length=1000)
    rater_fingerprint = models.CharField("评价人标识", max_length=64, help_text="账号或设备的哈希，不可逆")
    rater_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "评课"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "rater_fingerprint"], name="one_rating_per_person_per_session"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": INDICATOR_MAX}),
                    name=f"evaluation_{name}_0_20",
                )
                for name in ("relevance", "theory", "information", "delivery", "manner")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.total}"


class RatingTicket(models.Model):
    """评课凭证: a one-time ticket issued to a device when it opens the session's QR rating page.

    Only the ticket's hash is stored; it is bound to the session, used once and expires when rating
    closes. It is not linked to the rating it allowed, so ratings stay anonymous.
    """

    session = models.ForeignKey(
        Session, verbose_name="课程", on_delete=models.CASCADE, related_name="rating_tickets"
    )
    digest = models.CharField("凭证哈希", max_length=64, unique=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField("发放时间", auto_now_add=True)

    class Meta:
        verbose_name = "评课凭证"
        indexes = [models.Index(fields=["session", "used_at"], name="rating_ticket_session_used")]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.digest[:8]}…"


class CalendarToken(models.Model):
    """A private, revocable iCal feed URL. Only the key's hash is stored; the URL is shown once."""

    kind = models.CharField("订阅类型", max_length=10, choices=FeedKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.CASCADE,
        related_name="calendar_tokens",
    )
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name="教师",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        "network.School",
        verbose_name="学校",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=10)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FeedKind.values), name="calendar_token_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=FeedKind.PERSON, teacher__isnull=True, school__isnull=True)
                | Q(kind=FeedKind.TEACHER, teacher__isnull=False, school__isnull=True)
                | Q(kind=FeedKind.SCHOOL, teacher__isnull=True, school__isnull=False),
                name="calendar_token_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.prefix}…"

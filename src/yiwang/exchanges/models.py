"""The one request flow between schools (交流协作): a school asks another school, or an alliance,
for something — a teacher (师资互派), a hosted training (培训互接), a field-site booking (基地共用),
a class exchange, an adoption update — and the receiving school answers.

Every kind shares the model, the states (草稿 → 已提交 → 已接受 / 已拒绝 / 已撤回 → 已完成), the
comment thread, the event history and the two schools' inbox and outbox; what is special about a
kind lives in its own app's row linked to the request (``sites.Booking``, ``exchanges.Dispatch`` …).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel

from .enums import PENDING_STATUSES, TAKEN_STATUSES, RequestKind, RequestStatus

# A link that may be empty and is emptied when its target goes.
_OPTIONAL = {"null": True, "blank": True, "on_delete": models.SET_NULL}


class Request(TimeStampedModel):
    kind = models.CharField("类型", max_length=16, choices=RequestKind.choices)
    from_school = models.ForeignKey(
        "network.School", verbose_name="发起学校", on_delete=models.PROTECT, related_name="requests_sent"
    )
    to_school = models.ForeignKey(
        "network.School",
        verbose_name="接收学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests_received",
    )
    to_alliance = models.ForeignKey(
        "network.Alliance",
        verbose_name="接收联盟",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests_received",
    )
    # What the request is about, as "<kind-specific key>" (e.g. "teacher:12:2026-12-03", "site:4:…").
    # At most one pending request of a kind from one school for the same thing.
    subject_key = models.CharField("事项标识", max_length=120)
    title = models.CharField("事项", max_length=200)
    body = models.TextField("具体需求", blank=True, max_length=5000)
    starts_at = models.DateTimeField("开始", null=True, blank=True)
    ends_at = models.DateTimeField("结束", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("答复时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField("答复意见", max_length=500, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    reminded_at = models.DateTimeField("催办时间", null=True, blank=True)

    class Meta:
        verbose_name = "协作请求"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="request_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
            # A request goes to a school, or to an alliance; an alliance's request names the member
            # school that took it (``to_school``) from its acceptance on — never before.
            models.CheckConstraint(
                condition=Q(to_school__isnull=False) | Q(to_alliance__isnull=False),
                name="request_has_receiver",
            ),
            models.CheckConstraint(
                condition=Q(to_alliance__isnull=True)
                | Q(to_school__isnull=True)
                | Q(status__in=TAKEN_STATUSES),
                name="request_alliance_taken_on_accept",
            ),
            models.CheckConstraint(
                condition=Q(to_school__isnull=True) | ~Q(to_school=F("from_school")),
                name="request_not_to_self",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="request_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["kind", "from_school", "subject_key"],
                condition=Q(status__in=PENDING_STATUSES),
                name="request_pending_once",
            ),
        ]
        indexes = [
            models.Index(fields=["to_school", "status", "-created_at"]),
            models.Index(fields=["to_alliance", "status", "-created_at"]),
            models.Index(fields=["from_school", "status", "-created_at"]),
            models.Index(fields=["kind", "status"]),
            # The inbox and outbox orders, walked in index order for one school.
            models.Index(fields=["to_school", "-submitted_at", "-id"], name="request_inbox_idx"),
            models.Index(fields=["from_school", "-created_at", "-id"], name="request_outbox_idx"),
            # The inbox filtered by kind: walked in order for the page, and (with the status) read
            # alone for its capped count, instead of every received request of the school.
            models.Index(
                fields=["to_school", "kind", "-submitted_at", "-id", "status"], name="request_inbox_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def receiver(self):
        return self.to_school or self.to_alliance

    @property
    def is_open_to_alliance(self) -> bool:
        """Addressed to an alliance and not taken by a member school yet."""
        return self.to_alliance_id is not None and self.to_school_id is None


class RequestComment(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "network.School", verbose_name="所在学校", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField("内容", max_length=3000)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "请求留言"
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class RequestEvent(models.Model):
    """Who did what to a request, and when (shown on the request page)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=64, blank=True)
    verb = models.CharField("操作", max_length=40)
    status = models.CharField("之后状态", max_length=10, choices=RequestStatus.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "请求记录"
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.verb}"


class RequestAttachment(models.Model):
    """A file attached to a request (an invitation letter, a programme…): stored privately and
    downloaded only through the request page, by the two schools involved."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=PrivateUploadPath("exchanges"))
    filename = models.CharField("文件名", max_length=150)
    size = models.PositiveIntegerField("大小", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey(
        "network.School", verbose_name="所在学校", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "请求附件"
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Dispatch(models.Model):
    """师资互派: the requesting school (``request.from_school``) asks the teacher's school
    (``request.to_school``) for a teacher to give a topic at a time and place. Either a named
    teacher, or a need (``need``) for which the receiving school names the teacher when accepting.

    ``city``/``province`` are where the teaching happens (the requesting school's by default): a
    dispatch ending in another province, or another city the evening before, means travel.
    On acceptance the session is created in ``training_class`` (a class of the requesting school).
    """

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="dispatch")
    # The request's two schools, copied (they never change) so the dispatch list walks its own
    # ``(school, -starts_at)`` indexes instead of joining every row of the school's requests.
    from_school = models.ForeignKey(
        "network.School", verbose_name="请求学校", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Empty while the request is open to an alliance: the member school that accepts it fills it.
    to_school = models.ForeignKey(
        "network.School",
        verbose_name="派出学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    to_alliance = models.ForeignKey(
        "network.Alliance",
        verbose_name="接收联盟",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Whether the request has left the draft state (it never returns to it): the receiving school and
    # the teacher see the dispatch from then on, without joining the request.
    is_sent = models.BooleanField("已发出", default=False)
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name="教师",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    need = models.CharField("师资需求", max_length=300, blank=True)
    topic = models.ForeignKey(
        "topics.Topic",
        verbose_name="讲题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topic_title = models.CharField("讲授题目", max_length=200)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    place = models.CharField("地点", max_length=120, blank=True)
    city = models.CharField("城市", max_length=40, blank=True)
    province = models.CharField("省份", max_length=20, blank=True)
    training_class = models.ForeignKey(
        "classes.TrainingClass", verbose_name="所在班次", **_OPTIONAL, related_name="+"
    )
    session = models.OneToOneField(
        "classes.Session", verbose_name="课程安排", **_OPTIONAL, related_name="dispatch"
    )
    teacher_confirmed_at = models.DateTimeField("教师确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "师资互派"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="dispatch_ends_after_start"),
            models.CheckConstraint(
                condition=Q(teacher__isnull=False) | ~Q(need=""), name="dispatch_teacher_or_need"
            ),
        ]
        indexes = [
            models.Index(fields=["teacher", "starts_at"], name="dispatch_teacher_time_idx"),
            models.Index(fields=["-starts_at", "-id"], name="dispatch_list_idx"),
            models.Index(fields=["from_school", "-starts_at", "-id"], name="dispatch_sent_idx"),
            models.Index(fields=["to_school", "-starts_at", "-id"], name="dispatch_received_idx"),
        ]

    def __str__(self) -> str:
        return f"师资互派：{self.topic_title}"


class HostedTraining(models.Model):
    """培训互接 / 班次互派: the guest school (``request.from_school``) asks the host school
    (``request.to_school``) to run a training class for its trainees. The host builds the class in
    ``classes`` (``training_class``); the guest's staff follow its plan, upload the roster
    (``Trainee``) and get attendance and ratings at the end."""

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="hosting")
    # Empty while the request is open to an alliance: the member school that accepts it hosts.
    host_school = models.ForeignKey(
        "network.School",
        verbose_name="承办学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_trainings",
    )
    guest_school = models.ForeignKey(
        "network.School", verbose_name="委托学校", on_delete=models.PROTECT, related_name="guest_trainings"
    )
    class_kind = models.CharField("班次类型", max_length=12, default="young")
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    planned_trainees = models.PositiveIntegerField("计划人数", default=0)
    training_class = models.OneToOneField(
        "classes.TrainingClass", verbose_name="承办班次", **_OPTIONAL, related_name="hosting"
    )
    plan_notified_at = models.DateTimeField("最近一次变更通知", null=True, blank=True)

    class Meta:
        verbose_name = "培训互接"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="hosting_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(host_school=F("guest_school")), name="hosting_not_self"),
        ]

    def __str__(self) -> str:
        return self.request.title if self.request_id else "培训互接"


class Trainee(models.Model):
    """A trainee of a hosted class, from the guest school's roster (学员名册)."""

    hosting = models.ForeignKey(HostedTraining, on_delete=models.CASCADE, related_name="trainees")
    name = models.CharField("姓名", max_length=40)
    gender = models.CharField("性别", max_length=4, blank=True)
    unit = models.CharField("工作单位", max_length=100, blank=True)
    position = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("手机号", max_length=20)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "学员"
        ordering = ["hosting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hosting", "phone"], name="trainee_phone_once_per_class"),
        ]

    def __str__(self) -> str:
        return self.name


class TraineeCheckIn(models.Model):
    """A trainee's attendance of one session of the hosted class (through the session's QR code)."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="check_ins")
    session = models.ForeignKey("classes.Session", on_delete=models.CASCADE, related_name="trainee_check_ins")
    checked_in_at = models.DateTimeField("签到时间")
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = "学员签到"
        ordering = ["session_id", "trainee_id"]
        constraints = [
            models.UniqueConstraint(fields=["trainee", "session"], name="trainee_check_in_once"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="trainee_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} 签到"

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

from yiwang.core.models import TimeStampedModel

from .enums import PENDING_STATUSES, RequestKind, RequestStatus


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
            models.CheckConstraint(
                condition=(Q(to_school__isnull=False) & Q(to_alliance__isnull=True))
                | (Q(to_school__isnull=True) & Q(to_alliance__isnull=False)),
                name="request_one_receiver",
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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def receiver(self):
        return self.to_school or self.to_alliance


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

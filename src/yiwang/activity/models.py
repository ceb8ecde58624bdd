"""Audit records (append-only) and in-app notifications."""

from django.conf import settings
from django.db import models

from yiwang.core.crypto import EncryptedField
from yiwang.core.files import PrivateUploadPath


class AuditRecord(models.Model):
    """One write done through a service. Written in the write's own transaction;
    the app offers no way to change or delete it (and the database refuses updates)."""

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=64, blank=True)
    school = models.ForeignKey(
        "network.School",
        verbose_name="学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        verbose_name = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
            # the log's pages are read by position (keyset) in this order
            models.Index(fields=["-created_at", "-id"], name="audit_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class WebhookKind(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"


class SchoolWebhook(models.Model):
    """A school's (or office's) group robot that receives the notices sent for that school."""

    school = models.ForeignKey(
        "network.School", verbose_name="学校", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类型", max_length=10, choices=WebhookKind.choices)
    url = models.URLField("Webhook 地址", max_length=500)
    # DingTalk "加签" secret (SEC…); WeCom robots have none. Encrypted at rest like contacts.
    secret = EncryptedField("签名密钥", kind="secret", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "学校通知机器人"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=WebhookKind.values), name="webhook_kind_valid"
            ),
            models.UniqueConstraint(fields=["school", "kind", "url"], name="webhook_unique_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.school_id}）"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Delivery(models.Model):
    """One notice to send outside the platform — an e-mail to a person or a post to a
    school's group robot — sent by the task worker, retried, failures audited."""

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook = models.ForeignKey(
        SchoolWebhook, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知投递"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            # Exactly one target: a person's e-mail (through the notification) or a robot.
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False, webhook__isnull=True)
                | models.Q(notification__isnull=True, webhook__isnull=False),
                name="delivery_one_target",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE_EXPORT_STATUSES = [ExportStatus.QUEUED, ExportStatus.RUNNING]


class AuditExportJob(models.Model):
    """An export of the audit log too large to write while the person waits: written by the task
    worker with its progress saved as it goes, downloadable by the person who asked for it."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.CASCADE, related_name="+"
    )
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField("记录数", default=0)
    written = models.PositiveIntegerField("已写入", default=0)
    file = models.FileField("文件", upload_to=PrivateUploadPath("audit-exports"), blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "审计日志导出"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ExportStatus.values), name="audit_export_status_valid"
            ),
            # the same export asked twice while it runs is one job
            models.UniqueConstraint(
                fields=["requested_by", "filters"],
                condition=models.Q(status__in=ACTIVE_EXPORT_STATUSES),
                name="audit_export_running_once",
            ),
        ]

    def __str__(self) -> str:
        return f"审计日志导出 {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.written * 100 // self.total) if self.total else 0

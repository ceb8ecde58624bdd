"""Excel import jobs: the state of one upload, shared by every app server and the worker."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import DuplicateChoice, ImportJobStatus

#: The longest problem list kept with a job (the page lists the first 1000).
MAX_STORED_PROBLEMS = 1000


class ImportJob(models.Model):
    """One Excel upload into one school's part of a bank.

    The upload is kept in the database (any app server and the worker read it; it is
    cleared once the job is finished). ``runs`` counts how often the job was queued: once on
    upload and at most once more after the owner chose what to do with duplicates — the
    ``import_job_decided_once`` constraint refuses a second queued run even if two requests
    race past every check.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    school = models.ForeignKey(
        "network.School",
        verbose_name="导入到学校",
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    bank = models.CharField("数据类型", max_length=40)
    filename = models.CharField("文件名", max_length=255)
    upload = models.BinaryField("上传的文件", default=bytes, editable=False)
    status = models.CharField(
        "状态", max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    on_duplicate = models.CharField(
        "重复记录处理", max_length=10, choices=DuplicateChoice.choices, blank=True, default=""
    )
    runs = models.PositiveSmallIntegerField("执行次数", default=1)
    total = models.PositiveIntegerField("总行数", default=0)
    checked = models.PositiveIntegerField("已检查行数", default=0)
    created = models.PositiveIntegerField("新建", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    skipped = models.PositiveIntegerField("跳过", default=0)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    problem_count = models.PositiveIntegerField("问题数", default=0)
    problems = models.JSONField("问题（前 1000 个）", default=list, blank=True)
    duplicates = models.JSONField("可能重复的行", default=list, blank=True)
    ignored_columns = models.JSONField("忽略的列", default=list, blank=True)
    error = models.TextField("错误", blank=True, default="")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    decided_at = models.DateTimeField("选择处理方式的时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="import_job_owner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatus.values), name="import_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(on_duplicate__in=DuplicateChoice.values),
                name="import_job_on_duplicate_valid",
            ),
            # Queued once on upload; at most once more, after a decision (skip/update).
            models.CheckConstraint(
                condition=Q(runs=1, decided_at__isnull=True)
                | Q(
                    runs=2,
                    decided_at__isnull=False,
                    on_duplicate__in=[DuplicateChoice.SKIP, DuplicateChoice.UPDATE],
                ),
                name="import_job_decided_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def running(self) -> bool:
        return self.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.checked / self.total) if self.total else 0

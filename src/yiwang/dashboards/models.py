"""Targets set per school and year, and annual-report jobs (年度报告) with their files."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel

from .enums import ACTIVE_REPORT_STATUSES, ReportStatus, ScopeKind


class IndicatorTarget(TimeStampedModel):
    """A school's own yearly target for one indicator (e.g. 开放课堂场次 40)."""

    school = models.ForeignKey(
        "network.School", verbose_name="学校", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    indicator = models.CharField("指标", max_length=40)
    target = models.DecimalField("目标值", max_digits=10, decimal_places=1)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "年度目标"
        ordering = ["school_id", "year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "indicator"], name="target_once_per_indicator"),
            models.CheckConstraint(condition=Q(target__gt=0), name="indicator_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.target}"


class ReportJob(TimeStampedModel):
    """One annual report being generated (or generated) for a requester, a scope and a year."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.CASCADE, related_name="report_jobs"
    )
    scope_kind = models.CharField("范围", max_length=10, choices=ScopeKind.choices)
    scope_id = models.PositiveIntegerField("范围编号", default=0, help_text="全网为 0")
    scope_label = models.CharField("范围名称", max_length=120)
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("进度", default=0)
    step = models.CharField("当前步骤", max_length=60, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    pdf = models.FileField("PDF", upload_to=PrivateUploadPath("reports"), blank=True)
    xlsx = models.FileField("Excel", upload_to=PrivateUploadPath("reports"), blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度报告"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(scope_kind__in=ScopeKind.values), name="report_scope_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_max"),
            # A report asked twice at once is one job.
            models.UniqueConstraint(
                fields=["requested_by", "scope_kind", "scope_id", "year"],
                condition=Q(status__in=ACTIVE_REPORT_STATUSES),
                name="report_running_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.year} 年度报告"


class DataVersion(models.Model):
    """How many times a counted table has been written (``dashboards.freshness``): database triggers
    bump ``n`` on every insert, update, delete (and, on PostgreSQL, truncate) of the table, whatever
    the write path (ORM, bulk, raw SQL). ``epoch`` is drawn when the row is created, so a table
    whose counter row was deleted never repeats an old stamp."""

    name = models.CharField("表名", max_length=80, unique=True)
    epoch = models.CharField("批次", max_length=40)
    n = models.BigIntegerField("写入次数", default=0)

    class Meta:
        verbose_name = "数据版本"

    def __str__(self) -> str:
        return f"{self.name} {self.epoch}:{self.n}"


class Tally(models.Model):
    """One delta of an incremental board count (``dashboards.tallies``): database triggers append
    a row (+n / −n records, +v / −v of the summed measure) for every write that changes what a
    *family* of indicators counts, keyed by what decides the count and its visibility — never an
    UPDATE of a shared row, so concurrent writers do not wait on each other. ``compact`` folds the
    rows of a key into one."""

    family = models.CharField("指标族", max_length=24)
    school_id = models.IntegerField("计入学校")
    owner_id = models.IntegerField("所属学校")
    scope = models.CharField("共享范围", max_length=10)
    month = models.IntegerField("月份", help_text="YYYYMM（北京时间）")
    n = models.BigIntegerField("记录数")
    v = models.DecimalField("合计", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "看板增量"
        indexes = [models.Index(fields=["family", "month"], name="tally_family_month")]

    def __str__(self) -> str:
        return f"{self.family} {self.school_id} {self.month} {self.n:+d}"


class TallyFamily(models.Model):
    """Which definition a family's tally rows were built by (rebuilt when the definition changes)."""

    name = models.CharField("指标族", max_length=24, unique=True)
    signature = models.CharField("定义摘要", max_length=64)

    class Meta:
        verbose_name = "看板增量定义"

    def __str__(self) -> str:
        return self.name

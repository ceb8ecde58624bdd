"""评审量表 (review rubrics) and 评审表 (one reviewer's scores), shared by every review in the network:
course co-development rounds (合备一门课) and research-call applications (共研一个题).

A sheet reviews one *subject* — the app's own round or application row — named by content type and
id, so each app keeps its own workflow while the rubric, the scoring, the 回避 rule and the summary
are written once here.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q

from yiwang.core.models import TimeStampedModel

from .enums import RubricPurpose, SheetStatus


def score_text(value) -> str:
    """A score or weight as people write it: 10, 7.5 (never 10.0 or 1E+1)."""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


class Rubric(TimeStampedModel):
    owner_school = models.ForeignKey(
        "network.School", verbose_name="制定学校", on_delete=models.PROTECT, related_name="rubrics"
    )
    name = models.CharField("量表名称", max_length=100)
    purpose = models.CharField(
        "用途", max_length=10, choices=RubricPurpose.choices, default=RubricPurpose.GENERAL
    )
    description = models.TextField("说明", blank=True, max_length=2000)
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "评审量表"
        ordering = ["owner_school_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner_school", "name"], name="rubric_name_once_per_school"),
            models.CheckConstraint(
                condition=Q(purpose__in=RubricPurpose.values), name="rubric_purpose_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RubricIndicator(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("指标", max_length=60)
    description = models.CharField("评分要点", max_length=300, blank=True)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2)
    min_score = models.DecimalField("最低分", max_digits=5, decimal_places=1, default=0)
    max_score = models.DecimalField("最高分", max_digits=5, decimal_places=1, default=10)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评审指标"
        ordering = ["rubric_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "name"], name="indicator_name_once_per_rubric"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=F("min_score")), name="indicator_range_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewSheet(TimeStampedModel):
    """One reviewer's sheet for one subject. A reviewer is an account, or an invited expert
    without one (the calling app keeps the expert's signed link; the sheet keeps name and school)."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    rubric = models.ForeignKey(
        Rubric, verbose_name="评审量表", on_delete=models.PROTECT, related_name="sheets"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评审人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_sheets",
    )
    reviewer_name = models.CharField("评审人姓名", max_length=64)
    reviewer_school = models.ForeignKey(
        "network.School",
        verbose_name="评审人单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer_affiliation = models.CharField("评审人单位（外请）", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=SheetStatus.choices, default=SheetStatus.ASSIGNED
    )
    comment = models.TextField("总体意见", blank=True, max_length=3000)
    total = models.DecimalField("加权得分（百分制）", max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "评审表"
        ordering = ["subject_type_id", "subject_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "reviewer"],
                condition=Q(reviewer__isnull=False),
                name="review_sheet_once_per_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SheetStatus.values), name="review_sheet_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=SheetStatus.ASSIGNED) | Q(submitted_at__isnull=False, total__isnull=False),
                name="review_sheet_submitted_has_total",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["reviewer", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_name} 的评审表"


class ReviewScore(models.Model):
    sheet = models.ForeignKey(ReviewSheet, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(
        RubricIndicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    comment = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "指标得分"
        ordering = ["sheet_id", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "indicator"], name="review_score_once_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"

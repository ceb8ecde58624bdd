"""讲题库: lecture topics offered by teachers."""

from django.db import models
from django.db.models import Q

from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm


class Topic(Shareable, TimeStampedModel):
    title = models.CharField("讲题", max_length=200)
    summary = models.TextField("内容简介", blank=True)
    outline = models.TextField("提纲", blank=True)
    teachers = models.ManyToManyField("faculty.Teacher", verbose_name="授课教师", related_name="topics")
    category = models.CharField("学科类别", max_length=20, choices=DisciplineCategory.choices)
    form = models.CharField("教学形式", max_length=20, choices=TeachingForm.choices)
    hours = models.DecimalField("课时（小时）", max_digits=4, decimal_places=1, default=3)
    module = models.ForeignKey(
        "courses.TeachingModule",
        verbose_name="教学模块",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topics",
    )
    keywords = models.CharField("关键词", max_length=200, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )

    class Meta(Shareable.Meta):
        verbose_name = "讲题"
        ordering = ["-updated_at", "-id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(form__in=TeachingForm.values), name="topic_form_valid"),
            models.CheckConstraint(
                condition=Q(category__in=DisciplineCategory.values), name="topic_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublicationStatus.values), name="topic_status_valid"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="topic_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["owner_school", "status"]),
            models.Index(fields=["status", "-updated_at"]),
            # The default list order: lets the list walk the newest rows and stop after one page.
            models.Index(fields=["-updated_at", "-id"], name="topic_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_codes(self) -> list[str]:
        """适用对象 codes in the order of ``Audience`` (read from the prefetched links)."""
        held = {link.audience for link in self.audience_links.all()}
        return [code for code in Audience.values if code in held]

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [labels[code] for code in self.audience_codes]

    @property
    def keywords_list(self) -> list[str]:
        import re

        return [part for part in re.split(r"[、,，;；\s]+", self.keywords) if part]


class TopicAudience(models.Model):
    """One 适用对象 of a topic: a row per (topic, audience), so "topics for 中青班" is an index lookup."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="audience_links")
    audience = models.CharField("适用对象", max_length=20, choices=Audience.choices)

    class Meta:
        verbose_name = "讲题适用对象"
        constraints = [
            models.UniqueConstraint(fields=["topic", "audience"], name="topic_audience_once"),
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="topic_audience_valid"),
        ]
        indexes = [models.Index(fields=["audience", "topic"], name="topic_audience_lookup")]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.audience}"

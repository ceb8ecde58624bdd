"""Alliance spaces (联盟空间) and support agreements (协作协议).

A space belongs to one alliance or one support partnership (``network``); its members are the
alliance's member schools, or the supporter and the supported school. In it: each member's
contact person (协调联络), the rotating chair's terms (轮值), the agreed mechanisms, joint meetings
with agenda and minutes (发展共商), resolutions with an owner school and a due date, and news
posted by members (宣传联动), public when marked so.

An agreement (对口支援协议 / 联盟协作协议) has per-year targets whose progress is counted from the
records of the other apps (``selectors.target_progress``), never typed by hand.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel

from .enums import Mechanism, MeetingKind, ResolutionStatus, TargetMetric

ONE_OWNER = (Q(alliance__isnull=False) & Q(partnership__isnull=True)) | (
    Q(alliance__isnull=True) & Q(partnership__isnull=False)
)


class Space(TimeStampedModel):
    alliance = models.OneToOneField(
        "network.Alliance", null=True, blank=True, on_delete=models.CASCADE, related_name="space"
    )
    partnership = models.OneToOneField(
        "network.SupportPartnership", null=True, blank=True, on_delete=models.CASCADE, related_name="space"
    )
    intro = models.TextField("简介", blank=True, max_length=5000)

    class Meta:
        verbose_name = "联盟空间"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=ONE_OWNER, name="space_one_owner")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.alliance_id:
            return self.alliance.name
        p = self.partnership
        return f"对口支援：{p.supporter.short_name} → {p.supported.short_name}"


class AgreedMechanism(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="mechanisms")
    mechanism = models.CharField("机制", max_length=20, choices=Mechanism.choices)
    agreed_on = models.DateField("议定日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "协作机制"
        ordering = ["space_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["space", "mechanism"], name="mechanism_once_per_space"),
            models.CheckConstraint(condition=Q(mechanism__in=Mechanism.values), name="mechanism_valid"),
        ]

    def __str__(self) -> str:
        return self.get_mechanism_display()


class MemberContact(models.Model):
    """协调联络: a member school's contact person for the space."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="contacts")
    school = models.ForeignKey("network.School", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("联络人", max_length=40)
    position = models.CharField("职务", max_length=60, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    email = models.EmailField("电子邮箱", blank=True)

    class Meta:
        verbose_name = "联络人"
        constraints = [models.UniqueConstraint(fields=["space", "school"], name="contact_once_per_member")]

    def __str__(self) -> str:
        return f"{self.school} · {self.name}"


class ChairTerm(models.Model):
    """轮值: the member school chairing the space from ``starts_on`` to ``ends_on``."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="chair_terms")
    school = models.ForeignKey(
        "network.School", verbose_name="轮值学校", on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField("开始")
    ends_on = models.DateField("结束")

    class Meta:
        verbose_name = "轮值主席"
        ordering = ["space_id", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="chair_term_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.starts_on}–{self.ends_on}"


class Meeting(TimeStampedModel):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField("会议类型", max_length=10, choices=MeetingKind.choices, default=MeetingKind.JOINT)
    title = models.CharField("会议名称", max_length=200)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=120, blank=True)
    host_school = models.ForeignKey(
        "network.School", verbose_name="承办学校", on_delete=models.PROTECT, related_name="+"
    )
    agenda = models.TextField("议程", blank=True, max_length=5000)
    attendee_schools = models.ManyToManyField(
        "network.School", verbose_name="参会学校", blank=True, related_name="+"
    )
    attendees = models.TextField("参会人员", blank=True, max_length=3000)
    minutes = models.TextField("会议纪要", blank=True, max_length=20000)
    minutes_recorded_at = models.DateTimeField("纪要时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "联席会议"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MeetingKind.values), name="meeting_kind_valid")
        ]
        indexes = [models.Index(fields=["space", "-held_on"])]

    def __str__(self) -> str:
        return self.title


class Resolution(TimeStampedModel):
    """A decision recorded in a meeting's minutes: who carries it out, by when, and whether it is done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="resolutions")
    text = models.CharField("决议事项", max_length=500)
    owner_school = models.ForeignKey(
        "network.School", verbose_name="责任学校", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("完成期限")
    status = models.CharField(
        "状态", max_length=10, choices=ResolutionStatus.choices, default=ResolutionStatus.OPEN
    )
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_note = models.CharField("完成情况", max_length=500, blank=True)

    class Meta:
        verbose_name = "会议决议"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ResolutionStatus.values), name="resolution_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ResolutionStatus.DONE, done_at__isnull=False)
                | Q(status=ResolutionStatus.OPEN, done_at__isnull=True),
                name="resolution_done_iff_done_at",
            ),
        ]
        indexes = [models.Index(fields=["space", "status", "due_on"])]

    def __str__(self) -> str:
        return self.text[:40]


class NewsPost(TimeStampedModel):
    """宣传联动: news posted by a member school; shown in the space, and publicly when ``is_public``."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="news")
    school = models.ForeignKey(
        "network.School", verbose_name="发布学校", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", max_length=20000)
    is_public = models.BooleanField("公开发布", default=False, help_text="公开后无需登录即可在公开动态页看到")
    published_at = models.DateTimeField("发布时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "联盟动态"
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["is_public", "-published_at"]),
            # The alliance page's news, walked in its order (no sort of every post of the space).
            models.Index(fields=["space", "-published_at", "-id"], name="news_space_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class NewsImage(models.Model):
    news = models.ForeignKey(NewsPost, on_delete=models.CASCADE, related_name="images")
    file = models.FileField("图片", upload_to=PrivateUploadPath("alliance-news"))
    content_type = models.CharField(max_length=20)
    caption = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "动态图片"
        ordering = ["news_id", "id"]

    def __str__(self) -> str:
        return self.caption or f"图片 {self.pk}"


class Agreement(TimeStampedModel):
    """对口支援协议 (for a partnership) or 联盟协作协议 (among an alliance's members)."""

    title = models.CharField("协议名称", max_length=200)
    alliance = models.ForeignKey(
        "network.Alliance", null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    partnership = models.ForeignKey(
        "network.SupportPartnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    signed_on = models.DateField("签订日期", null=True, blank=True)
    starts_on = models.DateField("开始")
    ends_on = models.DateField("结束")
    note = models.TextField("说明", blank=True, max_length=3000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "协作协议"
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=ONE_OWNER, name="agreement_one_party"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementTarget(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField("年度")
    metric = models.CharField("指标", max_length=20, choices=TargetMetric.choices)
    target = models.PositiveIntegerField("目标数")

    class Meta:
        verbose_name = "协议指标"
        ordering = ["agreement_id", "year", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "year", "metric"], name="target_once_per_year"),
            models.CheckConstraint(condition=Q(metric__in=TargetMetric.values), name="target_metric_valid"),
            models.CheckConstraint(condition=Q(target__gte=1), name="agreement_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_metric_display()} {self.target}"

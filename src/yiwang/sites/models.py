"""现场教学基地: field sites owned by a school (or run by a partner agency the school records),
shared like any bank item, and their bookings by other schools.

Bookings go through the one request flow (``exchanges.Request``, kind 基地预约): the owner
school accepts or declines. Two bookings that hold a slot (已批准 / 已完成) of one site never
overlap: on PostgreSQL an exclusion constraint ``booking_no_overlap`` (btree_gist, ``tstzrange``)
added by migration 0002 — PostgreSQL only, so it is not in ``Meta.constraints`` — and, on both
databases, the same check inside the approving transaction with the site row locked
(``services.guard_slot``; SQLite transactions are ``BEGIN IMMEDIATE``, so they are serialized).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import BookingStatus, OperatorKind, SiteTheme


class FieldSite(Shareable, TimeStampedModel):
    name = models.CharField("基地名称", max_length=100)
    operator_kind = models.CharField(
        "管理方式", max_length=10, choices=OperatorKind.choices, default=OperatorKind.SCHOOL
    )
    operator_name = models.CharField(
        "合作单位", max_length=100, blank=True, help_text="由合作单位管理时填写，例如：某县文化旅游局"
    )
    address = models.CharField("地址", max_length=200)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    themes = models.CharField("教学主题", max_length=100, blank=True, help_text="主题代码，以逗号分隔")
    summary = models.TextField("简介", blank=True, max_length=5000)
    capacity = models.PositiveIntegerField("一次最多接待人数")
    opens_at = models.TimeField("开放时间")
    closes_at = models.TimeField("闭馆时间")
    open_weekdays = models.CharField(
        "开放日", max_length=7, default="1234567", help_text="1=周一 … 7=周日，例如 12345 为工作日开放"
    )
    contact = models.CharField("联系人及电话", max_length=100, blank=True)
    guides = models.ManyToManyField(
        "faculty.Teacher", verbose_name="讲解及授课教师", blank=True, related_name="field_sites"
    )
    courses = models.ManyToManyField(
        "courses.Course", verbose_name="关联课程", blank=True, related_name="field_sites"
    )
    is_active = models.BooleanField("接受预约", default=True)

    class Meta(Shareable.Meta):
        verbose_name = "现场教学基地"
        ordering = ["owner_school_id", "name", "id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.UniqueConstraint(fields=["owner_school", "name"], name="site_name_once_per_school"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="site_capacity_positive"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="site_closes_after_opens"),
            models.CheckConstraint(
                condition=Q(operator_kind__in=OperatorKind.values), name="site_operator_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_school", "is_active"]),
            # The default list order: the list walks the newest rows and stops after one page.
            models.Index(fields=["-updated_at", "-id"], name="site_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def theme_codes(self) -> list[str]:
        return [t for t in self.themes.split(",") if t]

    @property
    def theme_labels(self) -> list[str]:
        labels = dict(SiteTheme.choices)
        return [labels.get(t, t) for t in self.theme_codes]

    @property
    def operator_label(self) -> str:
        if self.operator_kind == OperatorKind.AGENCY and self.operator_name:
            return f"{self.operator_name}（由{self.owner_school.short_name}登记）"
        return self.owner_school.name


class SiteBlackout(models.Model):
    """Days a site receives nobody (闭馆、检修、重大活动)."""

    site = models.ForeignKey(FieldSite, on_delete=models.CASCADE, related_name="blackouts")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("原因", max_length=100)

    class Meta:
        verbose_name = "不开放日"
        ordering = ["site_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.reason}"


class SitePhoto(models.Model):
    """A photo of a site, stored privately and served only to viewers who may see the site."""

    site = models.ForeignKey(FieldSite, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to=PrivateUploadPath("site-photos"))
    original_name = models.CharField("原文件名", max_length=150)
    content_type = models.CharField(max_length=20)
    caption = models.CharField("说明", max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField("大小", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "基地照片"
        ordering = ["site_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class Booking(TimeStampedModel):
    """One school's booking of a time range at a site, answered through its ``request``."""

    site = models.ForeignKey(
        FieldSite, verbose_name="基地", on_delete=models.PROTECT, related_name="bookings"
    )
    request = models.OneToOneField(
        "exchanges.Request", verbose_name="协作请求", on_delete=models.PROTECT, related_name="booking"
    )
    requesting_school = models.ForeignKey(
        "network.School", verbose_name="预约学校", on_delete=models.PROTECT, related_name="site_bookings"
    )
    # The site's owner school at booking time (sites do not change owner): the list of a school's
    # bookings is then two index range scans, not a join.
    owner_school = models.ForeignKey(
        "network.School",
        verbose_name="基地所属学校",
        on_delete=models.PROTECT,
        related_name="site_bookings_received",
    )
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    group_size = models.PositiveIntegerField("人数")
    purpose = models.CharField("班次或用途", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    # The 现场教学 session of a hosted class booked with it (``book_field_session``): cancelled when
    # the booking is declined or withdrawn.
    session = models.OneToOneField(
        "classes.Session",
        verbose_name="现场教学课次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="site_booking",
    )

    class Meta:
        verbose_name = "基地预约"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="booking_group_positive"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
        ]
        indexes = [
            models.Index(fields=["site", "status", "starts_at"]),
            models.Index(fields=["requesting_school", "-starts_at"], name="booking_sent_idx"),
            models.Index(fields=["owner_school", "-starts_at"], name="booking_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.requesting_school.short_name} · {self.starts_at:%Y-%m-%d}"


class VisitEvaluation(models.Model):
    """The visiting school's evaluation after the visit (1–5 on three points, and a comment)."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="evaluation")
    content = models.PositiveSmallIntegerField("教学内容")
    guiding = models.PositiveSmallIntegerField("讲解授课")
    arrangements = models.PositiveSmallIntegerField("接待组织")
    comment = models.TextField("意见建议", blank=True, max_length=1000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "参访评价"
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}), name=f"visit_eval_{name}_1_5"
            )
            for name in ("content", "guiding", "arrangements")
        ]

    def __str__(self) -> str:
        return f"{self.booking} 评价"

    @property
    def average(self) -> float:
        return round((self.content + self.guiding + self.arrangements) / 3, 1)


class SiteFeedToken(models.Model):
    """A private, revocable iCal feed URL of one site's calendar; only the key's hash is stored."""

    site = models.ForeignKey(FieldSite, on_delete=models.CASCADE, related_name="feed_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_feed_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=12)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "基地日历订阅"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.site} · {self.prefix}…"

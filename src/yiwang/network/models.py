"""The school network: schools and branches, alliances, support partnerships,
memberships (who belongs to which school, with which capabilities) and the
abstract ``Shareable`` base every shared item inherits its sharing scope from."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.models import TimeStampedModel

from .enums import AllianceKind, SchoolLevel, SharingScope


class School(TimeStampedModel):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40)
    level = models.CharField("级别", max_length=10, choices=SchoolLevel.choices)
    province = models.CharField("省份", max_length=20)
    city = models.CharField("城市", max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    is_active = models.BooleanField("启用", default=True)
    separates_duties = models.BooleanField(
        "登记与审核分离",
        default=True,
        help_text="开启时，登记批示的人不能核实该批示，提交课程审核的人不能审核通过该课程",
    )

    class Meta:
        verbose_name = "学校"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="school_not_own_parent"),
            models.CheckConstraint(condition=Q(level__in=SchoolLevel.values), name="school_level_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Alliance(TimeStampedModel):
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=AllianceKind.choices)
    lead_school = models.ForeignKey(
        School, verbose_name="牵头学校", on_delete=models.PROTECT, related_name="led_alliances"
    )
    description = models.TextField("简介", blank=True)
    members = models.ManyToManyField(School, through="AllianceMembership", related_name="alliances")

    class Meta:
        verbose_name = "协作联盟"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AllianceKind.values), name="alliance_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class AllianceMembership(models.Model):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="alliance_memberships")
    joined_on = models.DateField("加入日期")

    class Meta:
        verbose_name = "联盟成员"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "school"], name="alliance_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alliance} · {self.school}"


class SupportPartnership(TimeStampedModel):
    """对口支援: the supporter school helps the supported one."""

    supporter = models.ForeignKey(
        School, verbose_name="支援方", on_delete=models.PROTECT, related_name="support_given"
    )
    supported = models.ForeignKey(
        School, verbose_name="受援方", on_delete=models.PROTECT, related_name="support_received"
    )
    since = models.DateField("开始日期")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "对口支援关系"
        ordering = ["supporter__code", "supported__code"]
        constraints = [
            models.UniqueConstraint(fields=["supporter", "supported"], name="support_pair_once"),
            models.CheckConstraint(condition=~Q(supporter=F("supported")), name="support_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.supporter.short_name} → {self.supported.short_name}"


class Membership(TimeStampedModel):
    """A person's place in a school, with capability flags."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="memberships")
    is_school_admin = models.BooleanField("学校管理员", default=False)
    is_teaching_staff = models.BooleanField("教务", default=False)
    is_training_staff = models.BooleanField("培训", default=False)
    is_research_staff = models.BooleanField("科研", default=False)
    is_teacher = models.BooleanField("教师", default=False)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "学校成员"
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.school}"

    @property
    def capability_labels(self) -> list[str]:
        from .enums import Capability

        return [c.label for c in Capability if getattr(self, c.value)]


class Shareable(models.Model):
    """Base of every shared item: one owner school and one sharing scope.

    For the 协作 scope the owner picks alliances and support partnerships of
    its own; their member schools see the item too. Read access is decided
    only by ``yiwang.network.visibility``.
    """

    owner_school = models.ForeignKey(
        School, verbose_name="所属学校", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(
        "共享范围", max_length=10, choices=SharingScope.choices, default=SharingScope.SYSTEM, db_index=True
    )
    shared_alliances = models.ManyToManyField(Alliance, verbose_name="共享联盟", blank=True, related_name="+")
    shared_partnerships = models.ManyToManyField(
        SupportPartnership, verbose_name="共享对口支援关系", blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=SharingScope.values), name="%(app_label)s_%(class)s_scope_valid"
            ),
        ]

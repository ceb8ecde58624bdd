"""科研信息库: research projects, their outputs and leadership endorsements (批示)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import LeaderLevel, MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus


class ResearchProject(Shareable, TimeStampedModel):
    """A project; ``owner_school`` is the lead school (牵头学校)."""

    title = models.CharField("课题名称", max_length=200)
    level = models.CharField("级别", max_length=12, choices=ProjectLevel.choices)
    category = models.CharField("类别", max_length=12, choices=ProjectCategory.choices)
    principal_investigator = models.ForeignKey(
        "faculty.Teacher", verbose_name="负责人", on_delete=models.PROTECT, related_name="led_projects"
    )
    members = models.ManyToManyField(
        "faculty.Teacher", through="ResearchMember", verbose_name="成员", related_name="research_projects"
    )
    summary = models.TextField("简介", blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    funding = models.DecimalField("经费（万元）", max_digits=10, decimal_places=2, default=0)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    status = models.CharField(
        "状态", max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.APPLYING
    )

    class Meta(Shareable.Meta):
        verbose_name = "科研课题"
        ordering = ["-start_date", "-id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(level__in=ProjectLevel.values), name="project_level_valid"),
            models.CheckConstraint(
                condition=Q(category__in=ProjectCategory.values), name="project_category_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="project_status_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="project_dates_ordered"),
            models.CheckConstraint(condition=Q(funding__gte=0), name="project_funding_not_negative"),
        ]
        indexes = [
            models.Index(fields=["owner_school", "status"]),
            models.Index(fields=["-start_date", "-id"]),
        ]

    def __str__(self) -> str:
        return self.title


class ResearchMember(models.Model):
    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="memberships")
    teacher = models.ForeignKey(
        "faculty.Teacher", on_delete=models.PROTECT, related_name="research_memberships"
    )
    role = models.CharField("角色", max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)

    class Meta:
        verbose_name = "课题成员"
        constraints = [models.UniqueConstraint(fields=["project", "teacher"], name="project_member_once")]

    def __str__(self) -> str:
        return f"{self.project} · {self.teacher}"


class ResearchOutput(Shareable, TimeStampedModel):
    kind = models.CharField("成果类型", max_length=12, choices=OutputKind.choices)
    title = models.CharField("成果名称", max_length=200)
    authors = models.ManyToManyField(
        "faculty.Teacher", verbose_name="作者", blank=True, related_name="research_outputs"
    )
    author_text = models.CharField("其他作者", max_length=200, blank=True)
    abstract = models.TextField("摘要", blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    published_on = models.DateField("日期")
    venue = models.CharField("发表刊物/报送对象", max_length=200, blank=True)
    project = models.ForeignKey(
        ResearchProject,
        verbose_name="所属课题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outputs",
    )
    file = models.FileField("文件", upload_to=PrivateUploadPath("research"), blank=True)
    file_name = models.CharField("原文件名", max_length=150, blank=True)
    is_active = models.BooleanField("有效", default=True, help_text="停用的成果只有所属学校的科研人员能看到")

    class Meta(Shareable.Meta):
        verbose_name = "科研成果"
        ordering = ["-published_on", "-id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=OutputKind.values), name="output_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["is_active", "-published_on"]),
            models.Index(fields=["owner_school", "kind"]),
            # The list's order, for any filter: walk the newest rows, stop after one page (issue 12).
            models.Index(fields=["-published_on", "-id"], name="output_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Endorsement(TimeStampedModel):
    """批示: a leader's written endorsement of an output. Visible wherever its output is."""

    output = models.ForeignKey(ResearchOutput, on_delete=models.CASCADE, related_name="endorsements")
    leader_level = models.CharField("批示领导级别", max_length=12, choices=LeaderLevel.choices)
    endorsed_on = models.DateField("批示日期")
    summary = models.TextField("批示内容摘要", blank=True)
    evidence = models.FileField("佐证材料", upload_to=PrivateUploadPath("endorsements"), blank=True)
    evidence_name = models.CharField("佐证材料原文件名", max_length=150, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verifier_school = models.ForeignKey(
        "network.School",
        verbose_name="核实单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空则由成果所属学校核实；课题申报批次的成果由发布批次的学校核实",
    )

    class Meta:
        verbose_name = "批示"
        ordering = ["-endorsed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(leader_level__in=LeaderLevel.values), name="endorsement_level_valid"
            ),
        ]
        indexes = [models.Index(fields=["output", "verified_at"])]

    def __str__(self) -> str:
        return f"{self.output} · {self.get_leader_level_display()}批示"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

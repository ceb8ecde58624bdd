"""共研一个题: research calls (课题指南/申报批次), applications (申报书) with cross-school teams and
budgets, reviewer links for invited experts, milestones, extensions, spending, advisory-report
details, discussion and joint research events.

A granted application becomes a ``research.ResearchProject``; its outputs and 批示 are the research
bank's own ``ResearchOutput`` / ``Endorsement``. Review sheets are ``reviews.ReviewSheet`` rows whose
subject is the ``Application``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import (
    AdoptionStatus,
    ApplicationStatus,
    BudgetCategory,
    CallKind,
    EventKind,
    MilestoneKind,
    MilestoneStatus,
    RequestStatus,
    SubmittedLevel,
    TeamRole,
)

MONEY = {"max_digits": 10, "decimal_places": 2}


class ResearchCall(Shareable, TimeStampedModel):
    """A call for applications. ``owner_school`` issues it; ``scope`` says which schools may apply
    (and see it): 本校 / 本系统 / 协作 (alliances, partnerships) / 全网 / 公开."""

    title = models.CharField("批次名称", max_length=200)
    kind = models.CharField("课题类型", max_length=12, choices=CallKind.choices)
    kind_label = models.CharField("自定义类型名称", max_length=40, blank=True)
    year = models.PositiveSmallIntegerField("年度")
    description = models.TextField("申报说明", blank=True)
    funding_pool = models.DecimalField("经费总额（万元）", **MONEY)
    per_project_cap = models.DecimalField("单项资助上限（万元）", **MONEY)
    granted_total = models.DecimalField("已立项经费（万元）", default=0, **MONEY)
    opens_at = models.DateTimeField("申报开始")
    closes_at = models.DateTimeField("申报截止")
    required_attachments = models.JSONField("必交附件", default=list, blank=True)
    max_applications_per_member = models.PositiveSmallIntegerField("每人每批次最多参与申报数", default=2)
    rubric = models.ForeignKey(
        "reviews.Rubric",
        verbose_name="评审量表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    blind_review = models.BooleanField("匿名评审", default=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    results_published_at = models.DateTimeField("结果公布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Shareable.Meta):
        verbose_name = "课题申报批次"
        ordering = ["-closes_at", "-id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=CallKind.values), name="call_kind_valid"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_window_ordered"),
            models.CheckConstraint(condition=Q(per_project_cap__gt=0), name="call_cap_positive"),
            models.CheckConstraint(
                condition=Q(per_project_cap__lte=F("funding_pool")), name="call_cap_within_pool"
            ),
            # The pool is never overspent: granting is a conditional update checked here too.
            models.CheckConstraint(
                condition=Q(granted_total__gte=0) & Q(granted_total__lte=F("funding_pool")),
                name="call_granted_within_pool",
            ),
            models.CheckConstraint(
                condition=Q(max_applications_per_member__gte=1), name="call_member_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["owner_school", "-closes_at"]), models.Index(fields=["year"])]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_display(self) -> str:
        return (
            self.kind_label if self.kind == CallKind.CUSTOM and self.kind_label else self.get_kind_display()
        )

    @property
    def pool_left(self):
        return self.funding_pool - self.granted_total


class GuideTopic(models.Model):
    """课题指南: a suggested topic of a call."""

    call = models.ForeignKey(ResearchCall, on_delete=models.CASCADE, related_name="guide_topics")
    title = models.CharField("指南题目", max_length=200)
    note = models.CharField("说明", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "课题指南"
        ordering = ["call_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "title"], name="guide_topic_once_per_call")]

    def __str__(self) -> str:
        return self.title


class Application(TimeStampedModel):
    """申报书. ``home_school`` is the applicant's school (所在单位), which approves it first."""

    call = models.ForeignKey(ResearchCall, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        on_delete=models.PROTECT,
        related_name="call_applications",
    )
    principal = models.ForeignKey(
        "faculty.Teacher", verbose_name="负责人", on_delete=models.PROTECT, related_name="call_applications"
    )
    home_school = models.ForeignKey(
        "network.School", verbose_name="所在单位", on_delete=models.PROTECT, related_name="+"
    )
    # The issuing school (the call's ``owner_school``, which never changes), stored so the office's
    # lists walk the ``(call_school, status)`` index instead of joining through the calls. The
    # services set it with ``call``; ``tests/calls/test_calls_call_school.py`` checks every path.
    call_school = models.ForeignKey(
        "network.School", verbose_name="发布单位", on_delete=models.PROTECT, related_name="+", editable=False
    )
    title = models.CharField("课题名称", max_length=200)
    guide_topic = models.ForeignKey(
        GuideTopic, verbose_name="指南题目", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField("内容摘要", blank=True)
    rationale = models.TextField("选题依据", blank=True)
    plan = models.TextField("研究计划", blank=True)
    expected_outputs = models.TextField("预期成果", blank=True)
    budget_total = models.DecimalField("申请经费（万元）", default=0, **MONEY)
    status = models.CharField(
        "状态", max_length=14, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    returns_used = models.PositiveSmallIntegerField("已退回次数", default=0)
    note = models.CharField("最近审核意见", max_length=500, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    home_approved_at = models.DateTimeField("单位审核时间", null=True, blank=True)
    checked_at = models.DateTimeField("形式审查时间", null=True, blank=True)
    granted_amount = models.DecimalField("立项经费（万元）", null=True, blank=True, **MONEY)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.CharField("决定说明", max_length=500, blank=True)
    project = models.OneToOneField(
        "research.ResearchProject",
        verbose_name="立项课题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_application",
    )

    class Meta:
        verbose_name = "课题申报书"
        ordering = ["call_id", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
            models.CheckConstraint(condition=Q(budget_total__gte=0), name="application_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(returns_used__lte=1), name="application_returned_at_most_once"
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.GRANTED)
                | Q(granted_amount__isnull=False, granted_amount__gt=0),
                name="application_granted_has_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["home_school", "status"]),
            models.Index(fields=["call_school", "status"]),
            models.Index(fields=["applicant"]),
        ]

    def __str__(self) -> str:
        return self.title


class TeamMember(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="team")
    call = models.ForeignKey(ResearchCall, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey("faculty.Teacher", on_delete=models.PROTECT, related_name="call_memberships")
    role = models.CharField("角色", max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "课题组成员"
        ordering = ["application_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "teacher"], name="team_member_once"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(role=TeamRole.PRINCIPAL), name="team_one_principal"
            ),
        ]
        indexes = [models.Index(fields=["call", "teacher"])]

    def __str__(self) -> str:
        return f"{self.application} · {self.teacher}"


class BudgetLine(models.Model):
    """A budget line; ``amount`` is the approved budget (changed only by an approved adjustment)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField("科目", max_length=12, choices=BudgetCategory.choices)
    description = models.CharField("用途说明", max_length=200, blank=True)
    amount = models.DecimalField("预算（万元）", **MONEY)
    spent = models.DecimalField("已支出（万元）", default=0, **MONEY)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "预算科目"
        ordering = ["application_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_not_negative"),
            # Spending never exceeds a line's budget (a conditional update keeps it so).
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(spent__lte=F("amount")), name="budget_line_not_overspent"
            ),
            models.CheckConstraint(
                condition=Q(category__in=BudgetCategory.values), name="budget_line_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount}"

    @property
    def left(self):
        return self.amount - self.spent


class ApplicationFile(models.Model):
    """An attachment of an application (one per required attachment name, or extra)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    label = models.CharField("附件名称", max_length=100)
    file = models.FileField(upload_to=PrivateUploadPath("calls"))
    file_name = models.CharField("原文件名", max_length=150)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申报附件"
        ordering = ["application_id", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "label"], name="application_file_once")]

    def __str__(self) -> str:
        return self.label


class ReviewerLink(models.Model):
    """The signed, expiring, single-use link of an invited expert without an account.

    The link carries ``TimestampSigner().sign(token)``; only ``sha256(token)`` is stored."""

    sheet = models.OneToOneField("reviews.ReviewSheet", on_delete=models.CASCADE, related_name="call_link")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviewer_links")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField("邮箱", blank=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审链接"

    def __str__(self) -> str:
        return f"评审链接 #{self.pk}"


class Milestone(TimeStampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("节点", max_length=10, choices=MilestoneKind.choices)
    due_on = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING
    )
    report = models.TextField("报告内容", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    reminded_at = models.DateTimeField("最近提醒", null=True, blank=True)

    class Meta:
        verbose_name = "课题节点"
        ordering = ["application_id", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="milestone_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=MilestoneStatus.values), name="milestone_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_kind_display()}"


class MilestoneFile(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=PrivateUploadPath("calls"))
    file_name = models.CharField("原文件名", max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "节点材料"
        ordering = ["milestone_id", "id"]

    def __str__(self) -> str:
        return self.file_name


class OfficeRequest(TimeStampedModel):
    """A request the issuing office approves or refuses (延期申请, 预算调整): one pending at a time."""

    reason = models.CharField("理由", max_length=500)
    status = models.CharField(
        "状态", max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ExtensionRequest(OfficeRequest):
    """延期申请 for one milestone."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="extensions")
    new_due_on = models.DateField("申请延至")

    class Meta:
        verbose_name = "延期申请"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(status=RequestStatus.PENDING), name="extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="extension_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} 延期至 {self.new_due_on}"


class BudgetAdjustment(OfficeRequest):
    """预算调整: a new amount for one line, approved or refused by the issuing office."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="adjustments")
    new_amount = models.DecimalField("调整后预算（万元）", **MONEY)

    class Meta:
        verbose_name = "预算调整"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(status=RequestStatus.PENDING), name="adjustment_one_pending"
            ),
            models.CheckConstraint(condition=Q(new_amount__gte=0), name="adjustment_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="adjustment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} → {self.new_amount}"


class Expense(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="expenses")
    line = models.ForeignKey(
        BudgetLine, verbose_name="预算科目", on_delete=models.PROTECT, related_name="expenses"
    )
    spent_on = models.DateField("支出日期")
    amount = models.DecimalField("金额（万元）", **MONEY)
    note = models.CharField("摘要", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "经费支出"
        ordering = ["-spent_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_positive")]
        indexes = [models.Index(fields=["application", "line"])]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.amount}"


class AdvisoryReport(TimeStampedModel):
    """Where a 咨政报告 output of a call project was submitted, and its adoption into policy."""

    output = models.OneToOneField(
        "research.ResearchOutput", on_delete=models.CASCADE, related_name="call_report"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    submitted_level = models.CharField("报送层级", max_length=12, choices=SubmittedLevel.choices)
    submitted_to = models.CharField("报送单位", max_length=200)
    adoption = models.CharField(
        "采纳转化", max_length=12, choices=AdoptionStatus.choices, default=AdoptionStatus.UNKNOWN
    )
    adoption_note = models.CharField("采纳转化说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "咨政报告报送"
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_level__in=SubmittedLevel.values), name="report_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(adoption__in=AdoptionStatus.values), name="report_adoption_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.output} → {self.submitted_to}"


class Comment(models.Model):
    """讨论: on a call (everyone who sees it) or on one project (its team and the offices)."""

    call = models.ForeignKey(ResearchCall, on_delete=models.CASCADE, related_name="comments")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("内容", max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "讨论"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["call", "application", "created_at"])]

    def __str__(self) -> str:
        return self.body[:30]


class ResearchEvent(TimeStampedModel):
    """联合调研 / 学术交流会 / 咨政报告会 of a call or a project; may be scheduled as an open
    session in ``classes`` so other schools' teachers sign up through the open-seat flow."""

    call = models.ForeignKey(ResearchCall, on_delete=models.CASCADE, related_name="events")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("活动类型", max_length=10, choices=EventKind.choices)
    title = models.CharField("活动名称", max_length=200)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=120, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    session = models.OneToOneField(
        "classes.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="research_event"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "研究活动"
        ordering = ["held_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid")
        ]

    def __str__(self) -> str:
        return self.title

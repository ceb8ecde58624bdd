"""合备一门课: cross-school course co-development projects.

A project builds one course of the course bank (``courses.Course``) inside a teaching module:
a lead school, participating schools, a team with roles, a stage plan, tasks, comments,
review rounds (scored with ``reviews`` sheets), releases of the published course, and
adoptions of it by other schools as linked copies.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.core.models import TimeStampedModel

from .enums import Decision, Role, RoundStatus, Stage, TaskStatus


def _person(verbose_name: str, **extra) -> models.ForeignKey:
    """Who did something (创建人, 布置人, 送审人 …): kept as null when the account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **extra,
    )


class Project(TimeStampedModel):
    title = models.CharField("项目名称", max_length=200)
    module = models.ForeignKey(
        "courses.TeachingModule",
        verbose_name="教学模块",
        on_delete=models.PROTECT,
        related_name="codev_projects",
    )
    course = models.ForeignKey(
        "courses.Course", verbose_name="课程", on_delete=models.PROTECT, related_name="codev_projects"
    )
    lead_school = models.ForeignKey(
        "network.School", verbose_name="牵头学校", on_delete=models.PROTECT, related_name="led_codev_projects"
    )
    schools = models.ManyToManyField(
        "network.School", verbose_name="参与学校", blank=True, related_name="codev_projects"
    )
    summary = models.TextField("项目简介", blank=True, max_length=3000)
    stage = models.CharField("阶段", max_length=12, choices=Stage.choices, default=Stage.TOPIC, db_index=True)
    created_by = _person("创建人")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "共建项目"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="codev_project_stage_valid"),
            models.UniqueConstraint(
                fields=["course"],
                condition=~Q(stage=Stage.PUBLISHED),
                name="codev_one_open_project_per_course",
            ),
        ]
        indexes = [
            # (module, stage) filters; with the course, the grid's capped count of a module's
            # published projects reads the index alone (no project row) before the course check.
            models.Index(fields=["module", "stage", "course"], name="codev_project_module_stage_idx"),
            models.Index(fields=["lead_school", "stage"]),
            # The default list order: the list walks the newest rows and stops after one page.
            models.Index(fields=["-updated_at", "-id"], name="codev_project_recent_idx"),
            models.Index(fields=["stage", "-updated_at", "-id"], name="codev_project_stage_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectSchool(models.Model):
    """One row per (project, team school): the lead school and every participating school.

    Kept by the services that change the team (``create_project``, ``add_school``), so
    "the projects my school is on" is one walk of the ``(school, project)`` index instead of
    an OR of two conditions evaluated over every project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="school_rows")
    school = models.ForeignKey("network.School", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "项目学校"
        constraints = [
            models.UniqueConstraint(fields=["project", "school"], name="codev_project_school_once")
        ]
        indexes = [models.Index(fields=["school", "project"], name="codev_school_project_idx")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.school_id}"


class StagePlan(models.Model):
    """One stage of the project's plan, with its due date (editable by the lead)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plan")
    stage = models.CharField("阶段", max_length=12, choices=Stage.choices)
    due_date = models.DateField("计划完成", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    reached_at = models.DateTimeField("进入时间", null=True, blank=True)

    class Meta:
        verbose_name = "阶段计划"
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="codev_stage_once_per_project"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="codev_plan_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.get_stage_display()}"


class TeamMember(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="成员",
        on_delete=models.PROTECT,
        related_name="codev_memberships",
    )
    school = models.ForeignKey(
        "network.School", verbose_name="所在学校", on_delete=models.PROTECT, related_name="+"
    )
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name="师资库教师",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="codev_memberships",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = "项目组成员"
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="codev_member_once"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="codev_member_role_valid"),
        ]
        indexes = [models.Index(fields=["user", "project"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Task(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    assignee = models.ForeignKey(
        TeamMember, verbose_name="负责人", on_delete=models.PROTECT, related_name="tasks"
    )
    due_date = models.DateField("截止日期")
    status = models.CharField("状态", max_length=8, choices=TaskStatus.choices, default=TaskStatus.TODO)
    created_by = _person("布置人")
    reminded_at = models.DateTimeField("逾期提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "任务"
        ordering = ["project_id", "due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="codev_task_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    """A plain-text comment on the project, or on one material version of its course."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    material = models.ForeignKey(
        "courses.CourseMaterial",
        verbose_name="资料版本",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="codev_comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("内容", max_length=3000)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "讨论"
        ordering = ["project_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:30]


class ProjectEvent(models.Model):
    """The workspace's own feed ("what changed since my last visit")."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField("变化", max_length=300)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "项目动态"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return self.text


class ProjectVisit(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField("上次查看")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="codev_visit_once")]


class ReviewRound(TimeStampedModel):
    """One 评审 of the project's submitted materials, scored on ``reviews`` sheets."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField("轮次")
    rubric = models.ForeignKey(
        "reviews.Rubric", verbose_name="评审量表", on_delete=models.PROTECT, related_name="+"
    )
    materials = models.ManyToManyField(
        "courses.CourseMaterial", verbose_name="送审资料版本", related_name="+"
    )
    blind = models.BooleanField("匿名评审", default=False, help_text="评审人看不到项目组成员和学校的名称")
    status = models.CharField("状态", max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    decision = models.CharField("结论", max_length=8, choices=Decision.choices, blank=True)
    reasons = models.TextField("理由", blank=True, max_length=3000)
    average = models.DecimalField("加权平均分", max_digits=6, decimal_places=2, null=True, blank=True)
    spread = models.DecimalField("极差", max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_by = _person("送审人")
    closed_by = _person("结束人", blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "评审轮次"
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="codev_round_number_once"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(status=RoundStatus.OPEN), name="codev_one_open_round"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="codev_round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=RoundStatus.OPEN, decision="")
                | Q(status=RoundStatus.CLOSED, decision__in=Decision.values),
                name="codev_round_closed_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"第 {self.number} 轮评审"

    @property
    def passed(self) -> bool:
        return self.decision in (Decision.PASS, Decision.PASS_WITH_CHANGES)


class Release(models.Model):
    """A published version of the course (版本): which material versions it is made of."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="codev_releases")
    number = models.PositiveIntegerField("版本号")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases"
    )
    review_round = models.ForeignKey(
        ReviewRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases"
    )
    materials = models.ManyToManyField("courses.CourseMaterial", related_name="+")
    note = models.CharField("更新说明", max_length=200)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "课程版本"
        ordering = ["course_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="codev_release_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="codev_release_number_positive"),
        ]

    def __str__(self) -> str:
        return f"第 {self.number} 版"


class Adoption(TimeStampedModel):
    """引用: another school's linked local copy of a published course (of one of its releases)
    or of a published lecture topic (as it was at ``based_on_at``, the topic's update time)."""

    course = models.ForeignKey(
        "courses.Course",
        verbose_name="原课程",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    topic = models.ForeignKey(
        "topics.Topic",
        verbose_name="原讲题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="codev_adoptions",
    )
    adopter_school = models.ForeignKey(
        "network.School", verbose_name="引用学校", on_delete=models.PROTECT, related_name="course_adoptions"
    )
    based_on = models.ForeignKey(
        Release,
        verbose_name="所依据版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    based_on_at = models.DateTimeField("所依据的讲题修改时间", null=True, blank=True)
    notified_at = models.DateTimeField("已通知的讲题修改时间", null=True, blank=True)
    title = models.CharField("名称（引用时）", max_length=200)
    summary = models.TextField("简介（引用时）", blank=True)
    outline = models.TextField("提纲（引用时）", blank=True)
    local_notes = models.TextField("本校安排说明", blank=True, max_length=3000)
    local_place = models.CharField("本校现场教学点", max_length=100, blank=True)
    local_teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name="本校授课教师", blank=True, related_name="+"
    )
    created_by = _person("引用人")

    class Meta:
        verbose_name = "引用"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "adopter_school"], name="codev_adopt_once_per_school"),
            models.UniqueConstraint(
                fields=["topic", "adopter_school"], name="codev_adopt_topic_once_per_school"
            ),
            models.CheckConstraint(
                condition=Q(course__isnull=False, topic__isnull=True, based_on__isnull=False)
                | Q(course__isnull=True, topic__isnull=False, based_on_at__isnull=False),
                name="codev_adopt_course_or_topic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adopter_school} 引用 {self.title}"

    @property
    def is_topic(self) -> bool:
        return self.topic_id is not None

    @property
    def kind_label(self) -> str:
        return "讲题" if self.is_topic else "课程"

    @property
    def original(self):
        return self.topic if self.is_topic else self.course


class TrialLecture(models.Model):
    """试讲: a session of a training class (``classes.Session``), open to other schools' teachers
    who sign up, watch and rate it with the existing 评课."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="trials")
    session = models.OneToOneField("classes.Session", on_delete=models.CASCADE, related_name="codev_trial")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "试讲"
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} 试讲"

"""课程库: teaching modules, courses (co-built across schools) and their versioned materials."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.core.files import PrivateUploadPath
from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import CourseKind, CourseStatus, MaterialKind


class TeachingModule(TimeStampedModel):
    """教学模块, e.g. 牢记嘱托·使命担当. Module names are visible to every signed-in user."""

    name = models.CharField("模块名称", max_length=60)
    description = models.TextField("说明", blank=True)
    owner_school = models.ForeignKey(
        "network.School", verbose_name="所属学校", on_delete=models.PROTECT, related_name="teaching_modules"
    )
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "教学模块"
        ordering = ["owner_school_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner_school", "name"], name="module_name_once_per_school"),
        ]

    def __str__(self) -> str:
        return self.name


class Course(Shareable, TimeStampedModel):
    title = models.CharField("课程名称", max_length=200)
    module = models.ForeignKey(
        TeachingModule,
        verbose_name="教学模块",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    kind = models.CharField("类型", max_length=12, choices=CourseKind.choices, default=CourseKind.CLASSROOM)
    place_name = models.CharField("现场教学点", max_length=100, blank=True)
    place_address = models.CharField("地址", max_length=200, blank=True)
    summary = models.TextField("课程简介", blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    co_schools = models.ManyToManyField(
        "network.School", verbose_name="共建学校", blank=True, related_name="co_built_courses"
    )
    teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name="授课教师", blank=True, related_name="courses"
    )
    status = models.CharField(
        "状态", max_length=12, choices=CourseStatus.choices, default=CourseStatus.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(Shareable.Meta):
        verbose_name = "课程"
        ordering = ["-updated_at", "-id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=CourseKind.values), name="course_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CourseStatus.values), name="course_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            models.Index(fields=["owner_school", "status"]),
            # The list's default order: walk the newest rows and stop after one page (issue 12).
            models.Index(fields=["-updated_at", "-id"], name="course_recent_idx"),
            # The kind filter (现场教学 …): its capped count reads the kind's rows, not every visible
            # course (PostgreSQL, 100 k courses: 52 → 10 ms for 现场教学 as a city school's staff).
            models.Index(fields=["kind", "status"], name="course_kind_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class CourseMaterial(models.Model):
    """One version of a material. A new upload adds a version; earlier ones stay downloadable."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField("类型", max_length=12, choices=MaterialKind.choices)
    title = models.CharField("名称", max_length=200)
    version = models.PositiveIntegerField("版本", default=1)
    file = models.FileField("文件", upload_to=PrivateUploadPath("materials"), blank=True)
    original_name = models.CharField("原文件名", max_length=150, blank=True)
    link = models.URLField("链接", blank=True)
    size_bytes = models.PositiveBigIntegerField("大小", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    text = models.TextField(
        "正文", blank=True, help_text="教案、解说词的文字（粘贴的文字或从 .docx 提取），用于版本对比"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "课程资料"
        ordering = ["course_id", "kind", "title", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "kind", "title", "version"], name="material_version_once"
            ),
            models.CheckConstraint(condition=Q(kind__in=MaterialKind.values), name="material_kind_valid"),
            models.CheckConstraint(condition=~Q(file="") | ~Q(link=""), name="material_has_file_or_link"),
            models.CheckConstraint(condition=Q(version__gte=1), name="material_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

"""师资库: teachers of every school and invited lecturers (外请师资)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.core.crypto import EncryptedField, hash_index_expression
from yiwang.core.models import TimeStampedModel
from yiwang.network.models import Shareable

from .enums import AcademicTitle, Gender


class Teacher(Shareable, TimeStampedModel):
    name = models.CharField("姓名", max_length=40)
    name_pinyin = models.CharField("姓名拼音", max_length=120, blank=True, db_index=True)
    name_initials = models.CharField("拼音首字母", max_length=20, blank=True, db_index=True)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, blank=True)
    title = models.CharField(
        "职称", max_length=12, choices=AcademicTitle.choices, default=AcademicTitle.OTHER
    )
    position = models.CharField("职务", max_length=60, blank=True)
    department = models.CharField("教研部", max_length=60, blank=True)
    expertise = models.CharField("研究专长", max_length=300, blank=True, help_text="多个专长以顿号或逗号分隔")
    bio = models.TextField("简介", blank=True)
    # Encrypted at rest with a keyed hash for exact lookups (core.crypto, decision 0008);
    # lengths and formats are checked by the services (20 characters, 254 for e-mail).
    phone = EncryptedField("电话", kind="phone", blank=True)
    email = EncryptedField("电子邮箱", kind="email", blank=True)
    is_invited = models.BooleanField("外请师资", default=False)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    post = models.CharField("单位职务", max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="关联账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher_profile",
    )
    is_active = models.BooleanField("在职/启用", default=True)

    class Meta(Shareable.Meta):
        verbose_name = "教师"
        ordering = ["owner_school_id", "name_pinyin", "id"]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(condition=Q(title__in=AcademicTitle.values), name="teacher_title_valid"),
        ]
        indexes = [
            models.Index(fields=["owner_school", "name"]),
            # The "most recently updated" list order (the default, by pinyin, uses name_pinyin's index).
            models.Index(fields=["-updated_at", "-id"], name="teacher_recent_idx"),
            # Exact lookups of the encrypted contacts compare their keyed hashes (duplicate checks).
            models.Index(hash_index_expression("phone"), name="teacher_phone_hash_idx"),
            models.Index(hash_index_expression("email"), name="teacher_email_hash_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def expertise_list(self) -> list[str]:
        import re

        return [part for part in re.split(r"[、,，;；\s]+", self.expertise) if part]

from django.db import models


class RubricPurpose(models.TextChoices):
    COURSE = "course", "课程评审"
    RESEARCH = "research", "课题评审"
    GENERAL = "general", "通用"


class SheetStatus(models.TextChoices):
    ASSIGNED = "assigned", "待评审"
    SUBMITTED = "submitted", "已提交"

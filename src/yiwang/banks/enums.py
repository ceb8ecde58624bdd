from django.db import models


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "检查与导入中"
    INVALID = "invalid", "有问题，未导入"
    NEEDS_DECISION = "needs_decision", "待选择重复记录的处理方式"
    IMPORTED = "imported", "已导入"


class DuplicateChoice(models.TextChoices):
    ASK = "", "先列出，由我选择"
    SKIP = "skip", "跳过重复记录"
    UPDATE = "update", "更新重复记录"

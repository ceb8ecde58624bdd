from django.db import models


class ScopeKind(models.TextChoices):
    NETWORK = "network", "全网"
    SCHOOL = "school", "学校"
    ALLIANCE = "alliance", "联盟"
    AGREEMENT = "agreement", "支援协作协议"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE_REPORT_STATUSES = (ReportStatus.QUEUED, ReportStatus.RUNNING)

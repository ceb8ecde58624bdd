from django.db import models


class ClassKind(models.TextChoices):
    """班次类型."""

    MAIN = "main", "主体班"
    YOUNG = "young", "中青班"
    SEMINAR = "seminar", "专题研讨班"
    INDUCTION = "induction", "初任培训"
    FACULTY = "faculty", "师资培训"
    WORKSHOP = "workshop", "专题工作坊"


class ClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "发布"
    FINISHED = "finished", "结束"


class SignUpStatus(models.TextChoices):
    """旁听报名状态. Pending, confirmed and waitlisted sign-ups are "active"."""

    PENDING = "pending", "待审批"
    CONFIRMED = "confirmed", "已确认"
    WAITLISTED = "waitlisted", "候补"
    CANCELLED = "cancelled", "已取消"
    REJECTED = "rejected", "已拒绝"


class EnrolmentMode(models.TextChoices):
    """How people join a class: session by session (旁听), or the whole programme at once."""

    SESSION = "session", "按场次旁听报名"
    PROGRAMME = "programme", "整期报名"


class EnrolmentStatus(models.TextChoices):
    """整期报名状态."""

    ENROLLED = "enrolled", "已报名"
    CANCELLED = "cancelled", "已取消"


class CompletionStatus(models.TextChoices):
    """结业: decided for every enrolled person when the organiser confirms completion."""

    COMPLETED = "completed", "结业"
    NOT_COMPLETED = "not_completed", "未结业"


ACTIVE_SIGN_UP_STATUSES = [SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]


class FeedKind(models.TextChoices):
    """Whose sessions an iCal feed (日历订阅) carries."""

    PERSON = "person", "我的报名"
    TEACHER = "teacher", "教师授课"
    SCHOOL = "school", "学校课程表"


# 评课 indicators: field name → label. Each is scored 0–20; the total is out of 100.
INDICATORS = [
    ("relevance", "现实针对性"),
    ("theory", "理论性"),
    ("information", "信息量"),
    ("delivery", "语言表达"),
    ("manner", "教风教态"),
]
INDICATOR_MAX = 20

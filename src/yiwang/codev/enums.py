from django.db import models


class Stage(models.TextChoices):
    """The stages of a co-development project, in order; the project's status is its stage."""

    TOPIC = "topic", "选题论证"
    WRITING = "writing", "资料撰写"
    TRIAL = "trial", "试讲"
    REVIEW = "review", "评审"
    PUBLISHED = "published", "发布"


STAGE_ORDER = [s.value for s in Stage]


class Role(models.TextChoices):
    LEAD = "lead", "负责人"
    LECTURER = "lecturer", "主讲"
    WRITER = "writer", "撰稿"
    LIAISON = "liaison", "审核联络"


class TaskStatus(models.TextChoices):
    TODO = "todo", "待办"
    DOING = "doing", "进行中"
    DONE = "done", "已完成"


class RoundStatus(models.TextChoices):
    OPEN = "open", "评审中"
    CLOSED = "closed", "已结束"


class Decision(models.TextChoices):
    PASS = "pass", "通过"
    PASS_WITH_CHANGES = "changes", "修改后通过"
    FAIL = "fail", "不通过"


PASSING = (Decision.PASS, Decision.PASS_WITH_CHANGES)

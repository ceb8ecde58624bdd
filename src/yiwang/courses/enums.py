from django.db import models


class CourseKind(models.TextChoices):
    CLASSROOM = "classroom", "课堂教学"
    FIELD = "field", "现场教学"


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "审核中"
    PUBLISHED = "published", "发布"
    FEATURED = "featured", "精品课"
    RETIRED = "retired", "停用"


class MaterialKind(models.TextChoices):
    LESSON_PLAN = "lesson_plan", "教案"
    SLIDES = "slides", "课件"
    COMMENTARY = "commentary", "解说词"
    VIDEO = "video", "视频链接"
    OTHER = "other", "其他"

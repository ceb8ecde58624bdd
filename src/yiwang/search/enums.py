from django.db import models


class DocumentType(models.TextChoices):
    """What a search result is."""

    TEACHER = "teacher", "教师"
    TOPIC = "topic", "讲题"
    COURSE = "course", "课程"
    PROJECT = "project", "科研课题"
    OUTPUT = "output", "科研成果"
    CALL = "call", "课题申报"
    SITE = "site", "现场教学基地"
    CODEV = "codev", "共建项目"
    NEWS = "news", "联盟动态"


class MatchMode(models.TextChoices):
    ALL = "all", "包含全部词语"
    ANY = "any", "包含部分词语"


# Facets shown beside results, in display order.
FACETS = [
    ("type", "类型"),
    ("school", "学校"),
    ("module", "教学模块"),
    ("category", "类别"),
    ("year", "年份"),
]

from django.db import models


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class AcademicTitle(models.TextChoices):
    PROFESSOR = "professor", "教授"
    ASSOCIATE = "associate", "副教授"
    LECTURER = "lecturer", "讲师"
    ASSISTANT = "assistant", "助教"
    OTHER = "other", "其他"

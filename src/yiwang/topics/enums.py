from django.db import models


class TeachingForm(models.TextChoices):
    LECTURE = "lecture", "专题讲授"
    FIELD = "field", "现场教学"
    CASE = "case", "案例教学"
    SEMINAR = "seminar", "研讨式教学"
    SIMULATION = "simulation", "情景模拟"
    INTERVIEW = "interview", "访谈式教学"
    EXPERIENCE = "experience", "体验式教学"


class Audience(models.TextChoices):
    MAIN = "main", "主体班"
    YOUNG = "young", "中青班"
    SEMINAR = "seminar", "专题研讨班"
    INDUCTION = "induction", "初任培训"
    FACULTY = "faculty", "师资培训"
    OTHER = "other", "其他"


class DisciplineCategory(models.TextChoices):
    THEORY = "theory", "马克思主义理论"
    PARTY = "party", "党史党建"
    POLITICS = "politics", "政治与法治"
    ECONOMY = "economy", "经济发展"
    GOVERNANCE = "governance", "社会治理"
    CULTURE = "culture", "文化建设"
    ECOLOGY = "ecology", "生态文明"
    LEADERSHIP = "leadership", "领导能力"
    OTHER = "other", "其他"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "发布"
    RETIRED = "retired", "停用"

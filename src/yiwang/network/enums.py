from django.db import models


class SchoolLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县区级"


class AllianceKind(models.TextChoices):
    REGIONAL = "regional", "片区协作"
    ADJACENT = "adjacent", "毗邻区县联盟"
    OTHER = "other", "其他"


class SharingScope(models.TextChoices):
    """共享范围 — who beyond the owner school may see an item."""

    SCHOOL = "school", "本校"
    SYSTEM = "system", "本系统"
    PARTNERS = "partners", "协作"
    NETWORK = "network", "全网"
    PUBLIC = "public", "公开"


class Capability(models.TextChoices):
    """Capability flags on a membership (who may do what for a school)."""

    SCHOOL_ADMIN = "is_school_admin", "学校管理员"
    TEACHING_STAFF = "is_teaching_staff", "教务"
    TRAINING_STAFF = "is_training_staff", "培训"
    RESEARCH_STAFF = "is_research_staff", "科研"
    TEACHER = "is_teacher", "教师"

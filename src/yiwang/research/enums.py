from django.db import models


class ProjectLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省部级"
    MUNICIPAL = "municipal", "市厅级"
    SCHOOL = "school", "校级"


class ProjectCategory(models.TextChoices):
    THINK_TANK = "think_tank", "新型智库"
    PARTY_BASE = "party_base", "党建研究基地"
    CONSULTING = "consulting", "决策咨询"
    OTHER = "other", "其他"


class ProjectStatus(models.TextChoices):
    APPLYING = "applying", "申报"
    APPROVED = "approved", "立项"
    ONGOING = "ongoing", "在研"
    CONCLUDED = "concluded", "结项"
    TERMINATED = "terminated", "终止"


class MemberRole(models.TextChoices):
    PRINCIPAL = "principal", "负责人"
    CORE = "core", "核心成员"
    MEMBER = "member", "成员"


class OutputKind(models.TextChoices):
    PAPER = "paper", "论文"
    BOOK = "book", "著作"
    ADVISORY = "advisory", "咨政报告"
    REPORT = "report", "研究报告"
    OTHER = "other", "其他"


class LeaderLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省部级"
    MUNICIPAL = "municipal", "市厅级"
    COUNTY = "county", "县处级"

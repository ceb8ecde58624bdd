from django.db import models


class CallKind(models.TextChoices):
    THINK_TANK = "think_tank", "新型智库课题"
    PARTY_BASE = "party_base", "党建基地课题"
    ANNUAL_KEY = "annual_key", "年度重点课题"
    CUSTOM = "custom", "自定义"


class CallPhase(models.TextChoices):
    """Computed from the clock (never stored): a call closes itself at its deadline."""

    DRAFT = "draft", "未发布"
    UPCOMING = "upcoming", "未开始"
    OPEN = "open", "申报中"
    CLOSED = "closed", "已截止"
    ANNOUNCED = "announced", "已公布结果"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    HOME_REVIEW = "home_review", "待所在单位审核"
    OFFICE_CHECK = "office_check", "待形式审查"
    RETURNED = "returned", "退回修改"
    IN_REVIEW = "in_review", "专家评审"
    GRANTED = "granted", "立项"
    NOT_GRANTED = "not_granted", "不立项"
    INELIGIBLE = "ineligible", "形式审查未通过"
    WITHDRAWN = "withdrawn", "已撤回"


# Statuses whose application still counts toward a member's limit in a call.
LIVE_STATUSES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.HOME_REVIEW,
    ApplicationStatus.OFFICE_CHECK,
    ApplicationStatus.RETURNED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.GRANTED,
]


class TeamRole(models.TextChoices):
    PRINCIPAL = "principal", "负责人"
    MEMBER = "member", "成员"


class BudgetCategory(models.TextChoices):
    MATERIALS = "materials", "资料费"
    TRAVEL = "travel", "调研差旅费"
    MEETING = "meeting", "会议费"
    EXPERT = "expert", "专家咨询费"
    LABOUR = "labour", "劳务费"
    PRINTING = "printing", "印刷出版费"
    OTHER = "other", "其他"


class MilestoneKind(models.TextChoices):
    PROPOSAL = "proposal", "开题报告"
    MIDTERM = "midterm", "中期检查"
    FINAL = "final", "结项"


MILESTONE_ORDER = [MilestoneKind.PROPOSAL, MilestoneKind.MIDTERM, MilestoneKind.FINAL]


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", "待提交"
    SUBMITTED = "submitted", "待审核"
    REVISE = "revise", "需修改"
    PASSED = "passed", "通过"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


class SubmittedLevel(models.TextChoices):
    """Where an advisory report was sent (报送层级)."""

    NATIONAL = "national", "中央/国家部委"
    PROVINCIAL = "provincial", "省委省政府/省直部门"
    MUNICIPAL = "municipal", "市委市政府/市直部门"
    COUNTY = "county", "区县委区县政府"


class AdoptionStatus(models.TextChoices):
    UNKNOWN = "unknown", "未知"
    ADOPTED = "adopted", "已采纳转化"
    PARTLY = "partly", "部分采纳"
    NOT_ADOPTED = "not_adopted", "未采纳"


class EventKind(models.TextChoices):
    SURVEY = "survey", "调研"
    SEMINAR = "seminar", "学术交流会"
    BRIEFING = "briefing", "咨政报告会"

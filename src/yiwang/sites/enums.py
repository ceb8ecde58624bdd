from django.db import models


class SiteTheme(models.TextChoices):
    """现场教学主题 (a site may have several; stored as codes separated by commas)."""

    RED_CULTURE = "red", "红色文化"
    RURAL = "rural", "乡村振兴"
    ECOLOGY = "ecology", "生态文明"
    GOVERNANCE = "governance", "基层治理"
    PARTY_SPIRIT = "spirit", "党性教育"
    ECONOMY = "economy", "经济发展"
    CULTURE = "heritage", "历史文化"


class OperatorKind(models.TextChoices):
    """Who runs the site: the owner school itself, or a partner agency the school records it for."""

    SCHOOL = "school", "本校自有"
    AGENCY = "agency", "合作单位"


class BookingStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    DECLINED = "declined", "已拒绝"
    WITHDRAWN = "withdrawn", "已撤回"
    COMPLETED = "completed", "已完成"


# Bookings that hold their time slot (never two of them overlapping on one site).
HOLDING_STATUSES = (BookingStatus.APPROVED, BookingStatus.COMPLETED)

WEEKDAY_LABELS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

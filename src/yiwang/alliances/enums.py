from django.db import models


class Mechanism(models.TextChoices):
    """协作机制. The 川滇黔 alliance's ten; the regional group's five; 对口支援's own."""

    DEVELOPMENT = "develop", "发展共商"
    LIAISON = "liaison", "协调联络"
    INFORMATION = "info", "信息共通"
    SITES = "sites", "基地共用"
    CLASS_EXCHANGE = "classes", "班次互派"
    COURSES = "courses", "课程共享"
    RESEARCH = "research", "课题共研"
    FACULTY = "faculty", "师资共育"
    PUBLICITY = "publicity", "宣传联动"
    BRAND = "brand", "品牌共塑"
    TEACHING = "teaching", "教学互鉴"
    DISPATCH = "dispatch", "师资互派"
    TRAINING = "training", "培训互接"
    SITES_MUTUAL = "sites_mutual", "基地互用"
    RESEARCH_MUTUAL = "research_mutual", "科研互助"
    HOSTING = "hosting", "承办培训"
    TALENT = "talent", "人才交流"


TEN_MECHANISMS = [
    Mechanism.DEVELOPMENT,
    Mechanism.LIAISON,
    Mechanism.INFORMATION,
    Mechanism.SITES,
    Mechanism.CLASS_EXCHANGE,
    Mechanism.COURSES,
    Mechanism.RESEARCH,
    Mechanism.FACULTY,
    Mechanism.PUBLICITY,
    Mechanism.BRAND,
]
REGIONAL_FIVE = [
    Mechanism.TEACHING,
    Mechanism.DISPATCH,
    Mechanism.TRAINING,
    Mechanism.SITES_MUTUAL,
    Mechanism.RESEARCH_MUTUAL,
]


class MeetingKind(models.TextChoices):
    JOINT = "joint", "联席会议"
    WORKING = "working", "工作交流会"
    OTHER = "other", "其他会议"


class ResolutionStatus(models.TextChoices):
    OPEN = "open", "推进中"
    DONE = "done", "已完成"


class TargetMetric(models.TextChoices):
    """Countable commitments of an agreement; each is counted from the records, never typed."""

    HOSTED_CLASSES = "hosted_classes", "承办培训班（期）"
    DISPATCHES = "dispatches", "互派教师（人次）"
    VISITING_SEATS = "visiting_seats", "开放课堂名额（个）"
    CO_BUILT_COURSES = "co_built_courses", "共建课程（门）"
    SITE_BOOKINGS = "site_bookings", "基地接待（批）"

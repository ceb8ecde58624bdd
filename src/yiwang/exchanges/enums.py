from django.db import models


class RequestKind(models.TextChoices):
    """What one school asks of another (or of an alliance). Every kind runs the one request flow."""

    DISPATCH = "dispatch", "师资互派"
    HOSTING = "hosting", "培训互接"
    CLASS_EXCHANGE = "class_exchange", "班次互派"
    SITE_BOOKING = "site_booking", "基地预约"
    ADOPTION = "adoption", "课程引用"
    GENERAL = "general", "其他协作事项"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已拒绝"
    WITHDRAWN = "withdrawn", "已撤回"
    COMPLETED = "completed", "已完成"


# A request still waiting for the receiving school's answer.
PENDING_STATUSES = (RequestStatus.SUBMITTED,)
OPEN_STATUSES = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.ACCEPTED)
# States in which a request to an alliance names the member school that took it.
TAKEN_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)

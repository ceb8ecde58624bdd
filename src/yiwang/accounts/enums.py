from django.db import models


class PlatformRoleKind(models.TextChoices):
    """The three platform admin roles, kept separate (三员分立)."""

    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"

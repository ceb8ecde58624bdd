from django.apps import AppConfig


class Config(AppConfig):
    """The front door: home page, navigation, and ``yiwang demo`` over every app (the top layer)."""

    name = "yiwang.portal"
    label = "portal"
    verbose_name = "门户"

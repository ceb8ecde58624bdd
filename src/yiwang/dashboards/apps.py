from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.dashboards"
    label = "dashboards"

    def ready(self):
        from . import indicators_work  # noqa: F401 — registers the joint work's indicators (models are loaded now)

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.dashboards"
    label = "dashboards"

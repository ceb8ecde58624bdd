from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "核心"

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.calls"
    label = "calls"
    verbose_name = "共研一个题"

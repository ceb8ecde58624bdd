from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.sites"
    label = "sites"
    verbose_name = "现场教学基地"

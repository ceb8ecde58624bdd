from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.alliances"
    label = "alliances"
    verbose_name = "联盟与协议"

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.codev"
    label = "codev"
    verbose_name = "合备一门课"

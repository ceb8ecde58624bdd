from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.activity"
    label = "activity"

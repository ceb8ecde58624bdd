from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.classes"
    label = "classes"

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.research"
    label = "research"

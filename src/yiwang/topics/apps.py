from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.topics"
    label = "topics"

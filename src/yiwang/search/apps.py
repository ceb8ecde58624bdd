from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.search"
    label = "search"

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.courses"
    label = "courses"

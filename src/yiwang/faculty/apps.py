from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.faculty"
    label = "faculty"

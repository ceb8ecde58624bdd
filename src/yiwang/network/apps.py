from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.network"
    label = "network"

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"

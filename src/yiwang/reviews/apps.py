from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.reviews"
    label = "reviews"
    verbose_name = "评审"

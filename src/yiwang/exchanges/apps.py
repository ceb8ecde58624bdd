from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.exchanges"
    label = "exchanges"
    verbose_name = "交流协作"

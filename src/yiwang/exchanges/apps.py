from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.exchanges"
    label = "exchanges"
    verbose_name = "交流协作"

    def ready(self):
        # This app's own kinds register their hooks with the one request flow.
        from yiwang.classes.calendar_sources import register_calendar_source

        from .selectors import calendar_dispatches
        from .services import dispatches, hosting  # noqa: F401

        register_calendar_source(calendar_dispatches)

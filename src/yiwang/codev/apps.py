from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.codev"
    label = "codev"
    verbose_name = "合备一门课"

    def ready(self):
        from yiwang.courses.panels import register_course_panel

        from .selectors import course_panel

        register_course_panel("codev", course_panel)

from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.codev"
    label = "codev"
    verbose_name = "合备一门课"

    def ready(self):
        from yiwang.courses.panels import register_course_panel
        from yiwang.topics.panels import register_topic_panel

        from .selectors import course_panel, topic_panel

        register_course_panel("codev", course_panel)
        register_topic_panel("codev", topic_panel)

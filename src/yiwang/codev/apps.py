from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.codev"
    label = "codev"
    verbose_name = "合备一门课"

    def ready(self):
        from yiwang.courses.panels import register_course_panel
        from yiwang.topics.hooks import on_topic_changed
        from yiwang.topics.panels import register_topic_panel

        from .selectors import course_panel, topic_panel
        from .services import notify_topic_adopters

        register_course_panel("codev", course_panel)
        register_topic_panel("codev", topic_panel)
        # 引用讲题: the adopters hear of a topic's change as soon as it is saved (once per change).
        on_topic_changed("codev", lambda topic_id: notify_topic_adopters([topic_id]))

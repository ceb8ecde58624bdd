from django.apps import AppConfig

from yiwang.faculty.profile import register_profile_section


class Config(AppConfig):
    name = "yiwang.topics"
    label = "topics"

    def ready(self):
        from . import selectors  # models are loaded only now

        register_profile_section("topics", selectors.topics_of_teacher)

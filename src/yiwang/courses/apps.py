from django.apps import AppConfig

from yiwang.faculty.profile import register_profile_section


class Config(AppConfig):
    name = "yiwang.courses"
    label = "courses"

    def ready(self):
        from . import selectors  # models are loaded only now

        register_profile_section("courses", selectors.courses_of_teacher)

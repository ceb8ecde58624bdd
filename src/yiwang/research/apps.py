from django.apps import AppConfig

from yiwang.faculty.profile import register_profile_section


class Config(AppConfig):
    name = "yiwang.research"
    label = "research"

    def ready(self):
        from . import selectors  # models are loaded only now

        register_profile_section("projects", selectors.projects_of_teacher)
        register_profile_section("outputs", selectors.outputs_of_teacher)

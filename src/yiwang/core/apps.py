from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .middleware import SlidingSessionMiddleware

        user_logged_in.connect(SlidingSessionMiddleware.on_sign_in, dispatch_uid="sliding-session")

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class Config(AppConfig):
    name = "yiwang.dashboards"
    label = "dashboards"

    def ready(self):
        from . import freshness, indicators_work  # noqa: F401 — registers the joint work's indicators

        # the boards' cache counters: triggers on every counted table, after every migrate
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="dashboards-freshness")


def _install_triggers(sender, using="default", **kwargs):
    from . import freshness, tallies  # noqa: PLC0415

    freshness.install(using)
    tallies.install(using)

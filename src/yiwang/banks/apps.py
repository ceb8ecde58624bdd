from django.apps import AppConfig


class Config(AppConfig):
    """Pieces every bank and every app built on the banks share: Excel import jobs and the
    bank importer base, the generic list / export / import views (see docs/adding-an-app.md)."""

    name = "yiwang.banks"
    label = "banks"
    verbose_name = "资源库公共部件"

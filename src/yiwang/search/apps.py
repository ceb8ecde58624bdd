from django.apps import AppConfig


class Config(AppConfig):
    name = "yiwang.search"
    label = "search"
    verbose_name = "搜索"

    def ready(self):
        from yiwang.banks import text_filter
        from yiwang.core.indexing import on_item_changed, on_item_removed, on_items_changed

        from . import selectors, services

        on_item_changed(services.on_item_changed)
        on_item_removed(services.on_item_removed)
        on_items_changed(services.on_items_changed)
        text_filter.register(selectors.list_filter_ids, selectors.list_filter_is_frequent)

"""Explicit change hooks for derived data (the search index).

Services call ``item_changed(obj)`` after saving a shared item and
``item_removed(obj)`` before/after deleting one. Listeners (registered by the
search app in its AppConfig.ready) run after the transaction commits, so a
rolled-back write never reaches the index. This is not domain flow: it only
keeps derived data up to date.
"""

from collections.abc import Callable

from django.db import transaction

_changed: list[Callable] = []
_removed: list[Callable] = []
_bulk_changed: list[Callable] = []


def on_item_changed(listener: Callable) -> Callable:
    if listener not in _changed:
        _changed.append(listener)
    return listener


def on_items_changed(listener: Callable) -> Callable:
    """Register a listener ``listener(model, pks)`` for many changed rows at once (imports)."""
    if listener not in _bulk_changed:
        _bulk_changed.append(listener)
    return listener


def on_item_removed(listener: Callable) -> Callable:
    if listener not in _removed:
        _removed.append(listener)
    return listener


def item_changed(obj) -> None:
    model, pk = type(obj), obj.pk

    def run():
        for listener in list(_changed):
            listener(model, pk)

    transaction.on_commit(run)


def item_removed(obj) -> None:
    model, pk = type(obj), obj.pk

    def run():
        for listener in list(_removed):
            listener(model, pk)

    transaction.on_commit(run)


def items_changed(model, pks) -> None:
    """Many rows of one model changed (e.g. an Excel import): one batch after commit."""
    pks = list(pks)
    if not pks:
        return

    def run():
        if _bulk_changed:
            for listener in list(_bulk_changed):
                listener(model, pks)
        else:
            for pk in pks:
                for listener in list(_changed):
                    listener(model, pk)

    transaction.on_commit(run)

"""Callbacks other apps run when a lecture topic changes (the pattern of ``topics.panels``).

The topic bank sits below the apps built on it (合备一门课 keeps adoptions of topics), so it
cannot import them; instead each registers, in its ``AppConfig.ready``, a function
``(topic_id) -> None`` with :func:`on_topic_changed`. ``topics.services.update_topic`` calls
:func:`topic_changed`, which runs every callback once the transaction has committed — never
for a change that was rolled back; a failing callback is logged and does not undo the edit.
"""

from collections.abc import Callable

from django.db import transaction

TopicChanged = Callable[[int], None]
_CALLBACKS: dict[str, TopicChanged] = {}


def on_topic_changed(name: str, callback: TopicChanged) -> None:
    """Register ``callback`` under ``name`` (registering a name again replaces it)."""
    _CALLBACKS[name] = callback


def topic_changed(topic) -> None:
    """Run every registered callback with ``topic``'s id after the current transaction commits."""
    topic_id = topic.pk
    for callback in _CALLBACKS.values():
        transaction.on_commit(lambda callback=callback: callback(topic_id), robust=True)

"""Panels other apps add to the topic page (the same hook as ``courses.panels``).

The topic bank sits below the apps built on it (合备一门课 shows the topic's adoptions), so it
cannot import them; instead each registers, in its ``AppConfig.ready``, a function
``(viewer, topic) -> dict | None`` giving a template and its context. The topic page shows
the panels in registration order (``None``: nothing to show), through the ``topic_panels`` tag.
"""

from collections.abc import Callable

TopicPanel = Callable[[object, object], dict | None]
_PANELS: dict[str, TopicPanel] = {}


def register_topic_panel(name: str, panel: TopicPanel) -> None:
    _PANELS[name] = panel


def topic_panels(viewer, topic) -> list[dict]:
    """``[{"template": ..., **context}]`` of every panel that has something to show."""
    return [p for p in (panel(viewer, topic) for panel in _PANELS.values()) if p]

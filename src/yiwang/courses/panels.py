"""Panels other apps add to the course page.

The course bank sits below the apps built on it (合备一门课 shows a review badge and the
course's adoptions), so it cannot import them; instead each registers, in its
``AppConfig.ready``, a function ``(viewer, course) -> dict | None`` giving a template and its
context. The course page shows the panels in registration order (``None``: nothing to show).
"""

from collections.abc import Callable

CoursePanel = Callable[[object, object], dict | None]
_PANELS: dict[str, CoursePanel] = {}


def register_course_panel(name: str, panel: CoursePanel) -> None:
    _PANELS[name] = panel


def course_panels(viewer, course) -> list[dict]:
    """``[{"template": ..., **context}]`` of every panel that has something to show."""
    return [p for p in (panel(viewer, course) for panel in _PANELS.values()) if p]

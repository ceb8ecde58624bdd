"""The teacher profile joins the four banks: each bank registers the section it contributes.

The faculty bank sits below the other banks, so it cannot import them; instead each bank
registers, in its ``AppConfig.ready``, a function ``(viewer, teacher) -> list`` that reads
through that bank's own visibility selector (so drafts and retired items follow the bank's
rules). The profile page shows the sections in registration order.
"""

from collections.abc import Callable

ProfileSection = Callable[[object, object], list]
_SECTIONS: dict[str, ProfileSection] = {}
PROFILE_LIMIT = 100


def register_profile_section(name: str, section: ProfileSection) -> None:
    _SECTIONS[name] = section


def teacher_profile(viewer, teacher) -> dict[str, list]:
    """What the profile page gathers from every bank the viewer may see, by section name."""
    return {name: section(viewer, teacher) for name, section in _SECTIONS.items()}

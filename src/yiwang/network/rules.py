"""Named permission predicates of the network. Pages and the API ask the same question by the same name.

Nobody bypasses these: there is no superuser; platform roles grant only what is written in
the ``rules.py`` modules (the system admin manages the network here, the security admin
accounts in ``accounts.rules``, the audit admin reads the audit log in ``activity.rules``).
School capabilities come from the one per-request viewer context (``network.context``).
"""

from .context import STAFF_FLAGS, viewer_context


def _school_id(school):
    return getattr(school, "pk", school)


def has_capability(user, school, *capabilities: str) -> bool:
    """True if the user's active membership of ``school`` has any of the capability flags."""
    held = viewer_context(user).capabilities.get(_school_id(school))
    return bool(held) and bool(held & set(capabilities))


def is_member(user, school) -> bool:
    return _school_id(school) in viewer_context(user).school_ids


def is_school_admin(user, school) -> bool:
    return has_capability(user, school, "is_school_admin")


def can_manage_network(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_system_admin


def can_manage_school(user, school) -> bool:
    return can_manage_network(user) or is_school_admin(user, school)


def can_manage_people(user, school) -> bool:
    """Who adds people to a school and sets their capability flags: the school's own admin, or the
    platform security admin for every school (三员分立: the system admin manages schools, not people)."""
    if getattr(user, "is_authenticated", False) and user.is_security_admin:
        return True
    return is_school_admin(user, school)


def can_edit_bank_item(user, school) -> bool:
    """School staff (admin, 教务, 培训, 科研) edit their school's bank items."""
    return has_capability(user, school, *STAFF_FLAGS)


def can_edit_research(user, school) -> bool:
    return has_capability(user, school, "is_school_admin", "is_research_staff")


def can_run_classes(user, school) -> bool:
    return has_capability(user, school, "is_school_admin", "is_teaching_staff", "is_training_staff")


def staff_school_ids(user, *capabilities: str) -> list[int]:
    """Schools where the user holds any of the capabilities (any staff flag if none given)."""
    return viewer_context(user).schools_with(*capabilities)


def research_staff_school_ids(user) -> list[int]:
    return staff_school_ids(user, "is_school_admin", "is_research_staff")


def class_runner_school_ids(user) -> list[int]:
    return staff_school_ids(user, "is_school_admin", "is_teaching_staff", "is_training_staff")

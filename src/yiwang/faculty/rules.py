"""Permission predicates of the faculty bank (师资库)."""

from yiwang.network import rules as network_rules

from .models import Teacher


def can_edit_teacher(user, teacher: Teacher) -> bool:
    """The owner school's staff, or the teacher themself (their own profile)."""
    if network_rules.can_edit_bank_item(user, teacher.owner_school_id):
        return True
    return teacher.user_id is not None and teacher.user_id == getattr(user, "pk", None)

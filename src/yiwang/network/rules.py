"""Named permission predicates. Pages and the API ask the same question by the same name.

Nobody bypasses these: there is no superuser; platform roles grant only what
is written here (the system admin manages the network, the security admin
accounts, the audit admin reads the audit log).
"""

from .models import Membership


def _membership(user, school_id) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or school_id is None:
        return None
    cache = user.__dict__.setdefault("_yiwang_memberships", {})
    if school_id not in cache:
        cache[school_id] = Membership.objects.filter(user=user, school_id=school_id, is_active=True).first()
    return cache[school_id]


def has_capability(user, school, *capabilities: str) -> bool:
    """True if the user's membership of ``school`` has any of the capability flags."""
    school_id = getattr(school, "pk", school)
    membership = _membership(user, school_id)
    if membership is None:
        return False
    return any(getattr(membership, flag) for flag in capabilities)


def is_member(user, school) -> bool:
    return _membership(user, getattr(school, "pk", school)) is not None


def is_school_admin(user, school) -> bool:
    return has_capability(user, school, "is_school_admin")


def can_manage_network(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_system_admin


def can_manage_school(user, school) -> bool:
    return can_manage_network(user) or is_school_admin(user, school)


def can_edit_bank_item(user, school) -> bool:
    """School staff (admin, 教务, 培训, 科研) edit their school's bank items."""
    return has_capability(
        user, school, "is_school_admin", "is_teaching_staff", "is_training_staff", "is_research_staff"
    )


def can_edit_research(user, school) -> bool:
    return has_capability(user, school, "is_school_admin", "is_research_staff")


def can_run_classes(user, school) -> bool:
    return has_capability(user, school, "is_school_admin", "is_teaching_staff", "is_training_staff")


def can_read_audit(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_audit_admin


def can_manage_accounts(user) -> bool:
    return getattr(user, "is_authenticated", False) and (user.is_security_admin or user.is_system_admin)


def staff_school_ids(user, *capabilities: str) -> list[int]:
    """Schools where the user holds any of the capabilities (all staff flags if none given)."""
    if not getattr(user, "is_authenticated", False):
        return []
    flags = capabilities or ("is_school_admin", "is_teaching_staff", "is_training_staff", "is_research_staff")
    from django.db.models import Q

    condition = Q()
    for flag in flags:
        condition |= Q(**{flag: True})
    return list(
        Membership.objects.filter(condition, user=user, is_active=True).values_list("school_id", flat=True)
    )

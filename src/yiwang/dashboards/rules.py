"""Who opens which board (and asks for which annual report).

- the network board: the system admin, and the staff of a school at the top of a system
  (a municipal or provincial school with no parent);
- a school's board: its staff, the staff of any school above it, the system admin;
- an alliance's board: the staff of its member schools, the system admin;
- an agreement's board: the staff of its parties, the system admin.

Opening a board never widens what is counted: every number is still taken over what the
viewer may see (``indicators``), so two people on one board may see different numbers.
"""

from yiwang.network.context import STAFF_FLAGS, viewer_context
from yiwang.network.models import AllianceMembership, School


def _staff_schools(user) -> set[int]:
    return set(viewer_context(user).schools_with(*STAFF_FLAGS))


def is_platform_admin(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_system_admin


def can_view_network_board(user) -> bool:
    if is_platform_admin(user):
        return True
    staff = _staff_schools(user)
    return bool(staff) and School.objects.filter(pk__in=staff, parent__isnull=True).exists()


def ancestors_of(school) -> list[int]:
    chain, seen = [], set()
    parent_id = school.parent_id
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        chain.append(parent_id)
        parent_id = School.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return chain


def can_view_school_board(user, school) -> bool:
    if is_platform_admin(user):
        return True
    staff = _staff_schools(user)
    if not staff:
        return False
    return school.pk in staff or any(pk in staff for pk in ancestors_of(school))


def can_view_alliance_board(user, alliance) -> bool:
    if is_platform_admin(user):
        return True
    staff = _staff_schools(user)
    return bool(staff) and AllianceMembership.objects.filter(alliance=alliance, school_id__in=staff).exists()


def can_view_party_board(user, school_ids) -> bool:
    if is_platform_admin(user):
        return True
    return bool(_staff_schools(user) & set(school_ids))


def can_set_targets(user, school) -> bool:
    return viewer_context(user).capabilities.get(school.pk, frozenset()) >= {"is_school_admin"}

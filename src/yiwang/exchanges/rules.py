"""Who sends and who answers requests between schools.

A school's staff (admin, 教务, 培训, 科研) send its requests and answer those addressed to it;
a request to an alliance is answered by the staff of any other member school. Nobody else
can — not the sender, not a third school, not a platform role.
"""

from django.db.models import Q

from yiwang.network.context import STAFF_FLAGS, remember
from yiwang.network.models import AllianceMembership
from yiwang.network.rules import has_capability, staff_school_ids

from .enums import RequestStatus


def can_send_for(user, school) -> bool:
    return has_capability(user, school, *STAFF_FLAGS)


def answering_alliance_ids(user) -> frozenset[int]:
    """Alliances whose requests the user may answer (staff of a member school)."""

    def compute():
        schools = staff_school_ids(user)
        if not schools:
            return frozenset()
        return frozenset(
            AllianceMembership.objects.filter(school_id__in=schools).values_list("alliance_id", flat=True)
        )

    return remember(user, "exchanges.answering_alliances", compute)


def answering_member_school_ids(user, request) -> list[int]:
    """The user's staff schools that may answer a request open to an alliance (its other members)."""
    mine = set(staff_school_ids(user)) - {request.from_school_id}
    if not mine or request.to_alliance_id is None:
        return []
    return list(
        AllianceMembership.objects.filter(alliance_id=request.to_alliance_id, school_id__in=mine).values_list(
            "school_id", flat=True
        )
    )


def can_answer(user, request) -> bool:
    """Staff of the receiving school; for a request to an alliance, staff of any other member school
    until one of them takes it (then of that school only)."""
    if request.to_school_id is not None:
        return has_capability(user, request.to_school_id, *STAFF_FLAGS)
    return bool(answering_member_school_ids(user, request))


def is_bystander(user, request) -> bool:
    """Staff of another member school of the alliance a request was addressed to, after a member
    school took it: they see that it is closed, not its thread, files or the work that follows."""
    return (
        request.to_alliance_id is not None
        and request.to_school_id is not None
        and not can_act_as_sender(user, request)
        and not can_answer(user, request)
    )


def can_act_as_sender(user, request) -> bool:
    return has_capability(user, request.from_school_id, *STAFF_FLAGS)


def involved_filter(user) -> Q:
    """The SQL condition for requests the user may read: sent by or addressed to a school where the
    user is staff, or addressed to an alliance of such a school. Drafts only to the sender."""
    schools = staff_school_ids(user)
    if not schools:
        return Q(pk__in=[])
    alliances = answering_alliance_ids(user)
    received = Q(to_school_id__in=schools) | Q(to_alliance_id__in=alliances)
    return Q(from_school_id__in=schools) | (received & ~Q(status=RequestStatus.DRAFT))


def can_confirm_dispatch(user, dispatch) -> bool:
    """The dispatched teacher confirms (or, for a teacher without an account, the teacher's school)."""
    teacher = dispatch.teacher
    if teacher is None:
        return False
    if teacher.user_id is not None:
        return teacher.user_id == getattr(user, "pk", None)
    return has_capability(user, teacher.owner_school_id, *STAFF_FLAGS)


def can_build_hosted_class(user, hosting) -> bool:
    """The host school's class runners build the hosted class."""
    return has_capability(
        user, hosting.host_school_id, "is_school_admin", "is_teaching_staff", "is_training_staff"
    )


def can_manage_roster(user, hosting) -> bool:
    """The guest school's staff upload and change its trainee roster."""
    return has_capability(user, hosting.guest_school_id, *STAFF_FLAGS)


def can_read_hosting_reports(user, hosting) -> bool:
    """Both schools' staff get the attendance and evaluation summary."""
    return has_capability(user, hosting.guest_school_id, *STAFF_FLAGS) or has_capability(
        user, hosting.host_school_id, *STAFF_FLAGS
    )

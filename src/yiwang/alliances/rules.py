"""Who may read and write an alliance space and an agreement.

* read a space (members, meetings, minutes, resolutions, member news, shared items): anyone with an
  active membership of a member school; the platform system admin reads every space;
* post news, record a meeting, set the own school's contact person: staff of a member school;
* manage the space (chair terms, mechanisms, intro), edit any meeting and its resolutions: staff of
  the alliance's lead school, of the current chair, or (partnership) of the supporter;
* edit a meeting's minutes and resolutions: also staff of its host school;
* mark a resolution done: staff of its owner school, or the space's managers;
* agreements: read by members of the parties; created and given targets by the managers.
Public news is read by anyone, signed in or not.
"""

from django.utils import timezone

from yiwang.network.context import STAFF_FLAGS, viewer_context
from yiwang.network.models import AllianceMembership

from .models import ChairTerm


def member_school_ids(space_or_agreement) -> set[int]:
    if space_or_agreement.alliance_id:
        return set(
            AllianceMembership.objects.filter(alliance_id=space_or_agreement.alliance_id).values_list(
                "school_id", flat=True
            )
        )
    p = space_or_agreement.partnership
    return {p.supporter_id, p.supported_id}


def sees_everything(user) -> bool:
    return viewer_context(user).sees_everything


def is_member(user, space) -> bool:
    ctx = viewer_context(user)
    if space.alliance_id:
        return space.alliance_id in ctx.alliance_ids
    return space.partnership_id in ctx.partnership_ids


def can_read_space(user, space) -> bool:
    return sees_everything(user) or is_member(user, space)


def staff_member_school_ids(user, space, member_ids=None) -> list[int]:
    """Member schools of the space where the user is staff (the schools they may act for).
    ``member_ids``: the space's member schools when the caller has read them already."""
    ctx = viewer_context(user)
    mine = set(ctx.schools_with(*STAFF_FLAGS))
    if not mine:
        return []
    return sorted(mine & (member_school_ids(space) if member_ids is None else set(member_ids)))


_LOOK_UP = object()


def manager_school_ids(space, today=None, *, chair_school_id=_LOOK_UP) -> set[int]:
    """The lead school (or the supporter) and the current chair's school. ``chair_school_id``:
    the current chair's school (None: no chair) when the caller has read the terms already."""
    ids = {space.alliance.lead_school_id} if space.alliance_id else {space.partnership.supporter_id}
    if chair_school_id is _LOOK_UP:
        today = today or timezone.localdate()
        chair_school_id = (
            ChairTerm.objects.filter(space=space, starts_on__lte=today, ends_on__gte=today)
            .values_list("school_id", flat=True)
            .first()
        )
    if chair_school_id:
        ids.add(chair_school_id)
    return ids


def can_manage_space(user, space) -> bool:
    return bool(set(staff_member_school_ids(user, space)) & manager_school_ids(space))


def can_post_in(user, space) -> bool:
    return bool(staff_member_school_ids(user, space))


def can_edit_meeting(user, meeting) -> bool:
    mine = set(staff_member_school_ids(user, meeting.space))
    return meeting.host_school_id in mine or bool(mine & manager_school_ids(meeting.space))


def can_close_resolution(user, resolution) -> bool:
    mine = set(staff_member_school_ids(user, resolution.space))
    return resolution.owner_school_id in mine or bool(mine & manager_school_ids(resolution.space))


def agreement_manager_school_ids(agreement) -> set[int]:
    if agreement.alliance_id:
        return {agreement.alliance.lead_school_id}
    return {agreement.partnership.supporter_id}


def can_read_agreement(user, agreement) -> bool:
    ctx = viewer_context(user)
    if ctx.sees_everything:
        return True
    if agreement.alliance_id:
        return agreement.alliance_id in ctx.alliance_ids
    return agreement.partnership_id in ctx.partnership_ids


def can_manage_agreement(user, agreement) -> bool:
    mine = set(viewer_context(user).schools_with(*STAFF_FLAGS))
    return bool(mine & agreement_manager_school_ids(agreement))

"""Who may do what in 共研一个题. One name per question, used by pages and the API alike.

- the *issuing office* (发布单位): admin or 科研 of the call's school — publishes, checks, assigns
  reviewers, decides, reviews milestones, approves extensions and adjustments, verifies 批示;
- the *home office* (所在单位): admin or 科研 of the applicant's school — approves applications;
- the *team*: the applicant and the teachers on the application (by their linked account).
"""

from yiwang.network.context import system_of
from yiwang.network.enums import SharingScope
from yiwang.network.models import AllianceMembership, SupportPartnership
from yiwang.network.rules import research_staff_school_ids

from .models import Application, ResearchCall


def can_publish_calls(viewer, school) -> bool:
    return getattr(school, "pk", school) in research_staff_school_ids(viewer)


def is_issuing_office(viewer, call: ResearchCall) -> bool:
    return call.owner_school_id in research_staff_school_ids(viewer)


def is_home_office(viewer, application: Application) -> bool:
    return application.home_school_id in research_staff_school_ids(viewer)


def team_user_ids(application: Application) -> set[int]:
    ids = {application.applicant_id}
    ids.update(m.teacher.user_id for m in application.team.all() if m.teacher.user_id)
    return ids


def is_team(viewer, application: Application) -> bool:
    return getattr(viewer, "is_authenticated", False) and viewer.pk in team_user_ids(application)


def can_lead(viewer, application: Application) -> bool:
    """The applicant (负责人's account) edits, submits and reports for the team."""
    return getattr(viewer, "is_authenticated", False) and (
        viewer.pk == application.applicant_id or viewer.pk == application.principal.user_id
    )


def eligible_school_ids(call: ResearchCall) -> set[int] | None:
    """Schools that may apply to ``call`` (its sharing scope read as eligibility); None = every school."""
    if call.scope in (SharingScope.NETWORK, SharingScope.PUBLIC):
        return None
    if call.scope == SharingScope.SCHOOL:
        return {call.owner_school_id}
    ids = system_of({call.owner_school_id})
    if call.scope == SharingScope.PARTNERS:
        alliance_ids = list(call.shared_alliances.values_list("pk", flat=True))
        ids |= set(
            AllianceMembership.objects.filter(alliance_id__in=alliance_ids).values_list(
                "school_id", flat=True
            )
        )
        for supporter, supported in SupportPartnership.objects.filter(
            pk__in=call.shared_partnerships.values("pk")
        ).values_list("supporter_id", "supported_id"):
            ids |= {supporter, supported}
    return ids


def school_eligible(call: ResearchCall, school) -> bool:
    ids = eligible_school_ids(call)
    return ids is None or getattr(school, "pk", school) in ids

"""Who may do what in a co-development project (合备一门课).

* the workspace (tasks, comments, materials): team members, and the staff of the team's schools;
* the plan, the team, stage moves, submitting for review: the lead school's staff or a 负责人;
* assigning reviewers, closing a round, publishing: the lead school's teaching office
  (school admin or 教务);
* adopting a course: the staff of the adopting school; editing an adoption: the same.
"""

from yiwang.network.context import remember
from yiwang.network.rules import has_capability, staff_school_ids

from .enums import Role
from .models import Project, TeamMember

OFFICE_FLAGS = ("is_school_admin", "is_teaching_staff")


def team_school_ids(project: Project) -> list[int]:
    """The lead school and the participating schools (cached on the project object)."""
    cached = project.__dict__.get("_team_school_ids")
    if cached is None:
        if "schools" in getattr(project, "_prefetched_objects_cache", {}):  # the workspace's project
            others = [s.pk for s in project.schools.all()]
        else:
            others = list(project.schools.values_list("pk", flat=True))
        cached = [project.lead_school_id, *others]
        project.__dict__["_team_school_ids"] = cached
    return cached


def membership_of(user, project: Project) -> TeamMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return remember(
        user,
        f"codev.member.{project.pk}",
        lambda: TeamMember.objects.filter(project=project, user=user).first(),
    )


def is_team_member(user, project: Project) -> bool:
    return membership_of(user, project) is not None


def is_team_staff(user, project: Project) -> bool:
    return bool(set(staff_school_ids(user)) & set(team_school_ids(project)))


def can_work_on(user, project: Project) -> bool:
    return is_team_member(user, project) or is_team_staff(user, project)


def can_lead(user, project: Project) -> bool:
    member = membership_of(user, project)
    if member is not None and member.role == Role.LEAD:
        return True
    return project.lead_school_id in set(staff_school_ids(user))


def can_run_review(user, project: Project) -> bool:
    return has_capability(user, project.lead_school_id, *OFFICE_FLAGS)


def can_start_project(user, school) -> bool:
    return has_capability(user, school, *OFFICE_FLAGS, "is_training_staff", "is_research_staff")


def can_adopt_for(user, school) -> bool:
    return getattr(school, "pk", school) in set(staff_school_ids(user))

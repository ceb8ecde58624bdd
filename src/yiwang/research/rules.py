"""Permission predicates of the research bank (科研信息库)."""

from yiwang.network.rules import research_staff_school_ids

from .models import ResearchOutput, ResearchProject


def can_edit_project(viewer, project: ResearchProject) -> bool:
    return project.owner_school_id in research_staff_school_ids(viewer)


def can_edit_output(viewer, output: ResearchOutput) -> bool:
    return output.owner_school_id in research_staff_school_ids(viewer)

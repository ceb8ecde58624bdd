"""Who writes rubrics: a school's teaching or research office (or its admin)."""

from yiwang.network.rules import has_capability


def can_write_rubric(user, school) -> bool:
    return has_capability(user, school, "is_school_admin", "is_teaching_staff", "is_research_staff")

"""Permission predicates of the course bank (课程库)."""

from yiwang.network.rules import staff_school_ids

from .models import Course


def can_edit_course(viewer, course: Course) -> bool:
    """Staff of the owner school or of a co-building school."""
    schools = set(staff_school_ids(viewer))
    if not schools:
        return False
    if course.owner_school_id in schools:
        return True
    return course.co_schools.filter(pk__in=schools).exists()


def can_publish_course(viewer, course: Course) -> bool:
    """Publishing, featuring and retiring are the owner school's decision."""
    return course.owner_school_id in set(staff_school_ids(viewer))

"""Permission predicates of the topic bank (讲题库)."""

from yiwang.faculty.selectors import own_teacher_id
from yiwang.network import rules as network_rules

from .models import Topic


def can_edit_topic(user, topic: Topic) -> bool:
    """The owner school's staff, or a teacher among the topic's teachers."""
    if network_rules.can_edit_bank_item(user, topic.owner_school_id):
        return True
    mine = own_teacher_id(user)
    return mine is not None and topic.teachers.filter(pk=mine).exists()

"""Template helpers for the bank pages' includes and the session pages."""

from django import template

from yiwang.network import rules

from .. import selectors

register = template.Library()


@register.simple_tag
def topic_rating(topic):
    """评课 summary of a topic (or None)."""
    return selectors.topic_rating_summary(topic)


@register.simple_tag(takes_context=True)
def teacher_rating(context, teacher):
    """评课 summary of a teacher; the per-indicator breakdown only for the teacher and their school's staff."""
    summary = selectors.teacher_rating_summary(teacher)
    if summary is None:
        return None
    user = context.get("user")
    own = getattr(user, "is_authenticated", False) and teacher.user_id == user.pk
    staff = rules.can_edit_bank_item(user, teacher.owner_school_id) if user is not None else False
    return {**summary, "detailed": own or staff}


@register.simple_tag(takes_context=True)
def sessions_taught(context, teacher, limit=10):
    return selectors.teacher_sessions(context.get("user"), teacher, limit)


@register.simple_tag
def seats_label(session):
    if session.is_cancelled:
        return "已取消"
    if not session.is_open:
        return ""
    left = session.seats_left
    return f"余 {left} 席" if left else "已满·可候补"


@register.simple_tag(takes_context=True)
def runs_classes(context) -> bool:
    return bool(rules.class_runner_school_ids(context.get("user")))

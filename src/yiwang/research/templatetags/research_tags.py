"""Template helpers of the research pages: the principal and the other members of a project
(from the viewer's visible memberships, so both columns read the same rows)."""

from django import template

register = template.Library()


@register.filter
def principal(memberships):
    """The visible 负责人 membership, or None."""
    return next((m for m in memberships or () if m.role == "principal"), None)


@register.filter
def team_members(memberships):
    """The visible memberships other than the 负责人, in their order."""
    return [m for m in memberships or () if m.role != "principal"]

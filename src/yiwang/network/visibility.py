"""The one rule that decides who may see a shared item.

Every list, detail, export, count and search of shared data goes through
``visible_to(queryset, viewer)`` (or ``access(queryset, viewer, pk)`` for a
single object). The rule, for an item owned by school O with scope S:

* 公开 (public)   — anyone, signed in or not;
* 全网 (network)  — every signed-in user;
* 本校 (school)   — members of O;
* 本系统 (system) — members of O's system: O itself, O's parent, O's branches;
* 协作 (partners) — members of O's system, plus members of the schools in the
  alliances and support partnerships picked on the item;
* the platform system admin (系统管理员) sees everything; the security and audit
  admins see only what their memberships allow (roles kept separate).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from yiwang.core.errors import NotFoundError

from .context import viewer_context
from .enums import SharingScope


def visible_q(model, viewer, prefix: str = "") -> Q:
    """The condition, on ``model`` (a Shareable), under which ``viewer`` sees a row.

    ``prefix`` lets a query on a related model reuse the rule (e.g. ``"topic__"``).
    """
    ctx = viewer_context(viewer)
    if ctx.sees_everything:
        return Q()
    p = prefix
    condition = Q(**{f"{p}scope": SharingScope.PUBLIC})
    if not ctx.authenticated:
        return condition
    condition |= Q(**{f"{p}scope": SharingScope.NETWORK})
    if ctx.school_ids:
        condition |= Q(**{f"{p}scope": SharingScope.SCHOOL, f"{p}owner_school_id__in": ctx.school_ids})
    if ctx.system_school_ids:
        # O's system contains one of my schools  <=>  O is in the system of my schools.
        condition |= Q(
            **{
                f"{p}scope__in": [SharingScope.SYSTEM, SharingScope.PARTNERS],
                f"{p}owner_school_id__in": ctx.system_school_ids,
            }
        )
    if ctx.alliance_ids:
        through = model._meta.get_field("shared_alliances").remote_field.through
        item_field = model._meta.get_field("shared_alliances").m2m_field_name()
        shared_with_my_alliance = Exists(
            through.objects.filter(**{item_field: OuterRef(f"{p}pk"), "alliance_id__in": ctx.alliance_ids})
        )
        condition |= Q(**{f"{p}scope": SharingScope.PARTNERS}) & Q(shared_with_my_alliance)
    if ctx.partnership_ids:
        through = model._meta.get_field("shared_partnerships").remote_field.through
        item_field = model._meta.get_field("shared_partnerships").m2m_field_name()
        shared_with_my_partnership = Exists(
            through.objects.filter(
                **{item_field: OuterRef(f"{p}pk"), "supportpartnership_id__in": ctx.partnership_ids}
            )
        )
        condition |= Q(**{f"{p}scope": SharingScope.PARTNERS}) & Q(shared_with_my_partnership)
    return condition


def visible_to(queryset: QuerySet, viewer) -> QuerySet:
    """Only the rows of a Shareable queryset that ``viewer`` may see."""
    return queryset.filter(visible_q(queryset.model, viewer))


def access(queryset: QuerySet, viewer, pk):
    """One visible object, or NotFoundError for both missing and forbidden."""
    try:
        return visible_to(queryset, viewer).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None

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

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from yiwang.core.errors import NotFoundError

from .enums import SharingScope


@dataclass(frozen=True)
class ViewerContext:
    authenticated: bool = False
    sees_everything: bool = False
    school_ids: frozenset[int] = field(default_factory=frozenset)
    system_school_ids: frozenset[int] = field(default_factory=frozenset)
    alliance_ids: frozenset[int] = field(default_factory=frozenset)
    partnership_ids: frozenset[int] = field(default_factory=frozenset)


ANONYMOUS = ViewerContext()


def system_of(school_ids) -> set[int]:
    """The schools in the systems of the given schools: themselves, parents, branches."""
    from .models import School

    school_ids = set(school_ids)
    if not school_ids:
        return set()
    related = School.objects.filter(Q(pk__in=school_ids) | Q(parent_id__in=school_ids)).values_list(
        "pk", "parent_id"
    )
    result = set(school_ids)
    for pk, parent_id in related:
        result.add(pk)
        if parent_id and pk in school_ids:
            result.add(parent_id)
    return result


def viewer_context(viewer) -> ViewerContext:
    """What the viewer belongs to, computed once per request and cached on the user."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(viewer, "_yiwang_viewer_context", None)
    if cached is not None:
        return cached
    from .models import AllianceMembership, Membership, SupportPartnership

    school_ids = frozenset(
        Membership.objects.filter(user=viewer, is_active=True, school__is_active=True).values_list(
            "school_id", flat=True
        )
    )
    alliance_ids = frozenset(
        AllianceMembership.objects.filter(school_id__in=school_ids).values_list("alliance_id", flat=True)
    )
    partnership_ids = frozenset(
        SupportPartnership.objects.filter(
            Q(supporter_id__in=school_ids) | Q(supported_id__in=school_ids)
        ).values_list("pk", flat=True)
    )
    context = ViewerContext(
        authenticated=True,
        sees_everything=viewer.is_system_admin,
        school_ids=school_ids,
        system_school_ids=frozenset(system_of(school_ids)),
        alliance_ids=alliance_ids,
        partnership_ids=partnership_ids,
    )
    viewer._yiwang_viewer_context = context
    return context


def forget_viewer_context(viewer) -> None:
    if hasattr(viewer, "_yiwang_viewer_context"):
        del viewer._yiwang_viewer_context


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


def can_see(obj, viewer) -> bool:
    """Reference check for one loaded object (used in tests and templates)."""
    return visible_to(type(obj).objects.filter(pk=obj.pk), viewer).exists()

"""The viewer context: what a person belongs to, computed once per request.

Every question about "which schools is this person in, with which capability flags, and
which systems, alliances and partnerships do those schools belong to" is answered from one
``ViewerContext``. It is computed on first use and kept on the user object, which lives
for one request, so a new request always sees current memberships.

The one invalidation rule: a service that changes a person's memberships, school or
platform role calls ``forget_viewer(user)`` on the user object it was handed, so the rest
of that request (and the person themselves, when they changed their own) sees the change.

Apps that need a per-request fact of their own about the viewer (their teacher profile,
the classes they run) keep it in the same context with ``remember(viewer, key, compute)``,
so it is dropped by the same rule.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q

from .enums import Capability
from .models import AllianceMembership, Membership, School, SupportPartnership

CAPABILITY_FLAGS = tuple(c.value for c in Capability)
STAFF_FLAGS = ("is_school_admin", "is_teaching_staff", "is_training_staff", "is_research_staff")
_ATTRIBUTE = "_yiwang_viewer_context"


@dataclass(frozen=True)
class ViewerContext:
    authenticated: bool = False
    sees_everything: bool = False
    school_ids: frozenset[int] = field(default_factory=frozenset)
    system_school_ids: frozenset[int] = field(default_factory=frozenset)
    alliance_ids: frozenset[int] = field(default_factory=frozenset)
    partnership_ids: frozenset[int] = field(default_factory=frozenset)
    # school id → the capability flags the viewer holds there (active memberships only)
    capabilities: dict[int, frozenset[str]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def schools_with(self, *flags: str) -> list[int]:
        """Schools where the viewer holds any of ``flags`` (any staff flag if none given)."""
        wanted = set(flags or STAFF_FLAGS)
        return sorted(pk for pk, held in self.capabilities.items() if held & wanted)


ANONYMOUS = ViewerContext()


def system_of(school_ids) -> set[int]:
    """The schools in the systems of the given schools: themselves, parents, branches."""
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


def _context_sql() -> str:
    """One statement for the whole context (issue 12: it was five, on every signed-in request):
    the active memberships with each school's parent, the alliances and partnerships of those
    schools, their branches, and the viewer's platform role, as tagged rows of one UNION ALL."""
    from yiwang.accounts.models import PlatformRole

    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    def column(model, name):
        return connection.ops.quote_name(model._meta.get_field(name).column)

    flags = ", ".join(f"m.{column(Membership, flag)}" for flag in CAPABILITY_FLAGS)
    blanks = ", ".join("NULL" for _ in CAPABILITY_FLAGS)
    mine = "SELECT school_id FROM mine"
    m_school, m_user, m_active = (column(Membership, f) for f in ("school", "user", "is_active"))
    s_parent, s_active = column(School, "parent"), column(School, "is_active")
    a_alliance, a_school = column(AllianceMembership, "alliance"), column(AllianceMembership, "school")
    p_from, p_to = column(SupportPartnership, "supporter"), column(SupportPartnership, "supported")
    return (
        f"WITH mine AS (SELECT m.{m_school} AS school_id, s.{s_parent} AS parent_id, {flags} "
        f"FROM {table(Membership)} m INNER JOIN {table(School)} s ON s.id = m.{m_school} "
        f"WHERE m.{m_user} = %s AND m.{m_active} = %s AND s.{s_active} = %s) "
        f"SELECT 'm', m.school_id, m.parent_id, {flags}, NULL FROM mine m "
        f"UNION ALL SELECT 'a', a.{a_alliance}, NULL, {blanks}, NULL FROM {table(AllianceMembership)} a "
        f"WHERE a.{a_school} IN ({mine}) "
        f"UNION ALL SELECT 'p', p.id, NULL, {blanks}, NULL FROM {table(SupportPartnership)} p "
        f"WHERE p.{p_from} IN ({mine}) OR p.{p_to} IN ({mine}) "
        f"UNION ALL SELECT 'c', b.id, NULL, {blanks}, NULL FROM {table(School)} b WHERE b.{s_parent} IN ({mine}) "
        f"UNION ALL SELECT 'r', NULL, NULL, {blanks}, r.{column(PlatformRole, 'role')} "
        f"FROM {table(PlatformRole)} r WHERE r.{column(PlatformRole, 'user')} = %s"
    )


def _compute(viewer) -> ViewerContext:
    capabilities, alliance_ids, partnership_ids, system, role = {}, set(), set(), set(), None
    with connection.cursor() as cursor:
        cursor.execute(_context_sql(), [viewer.pk, True, True, viewer.pk])
        for kind, pk, parent_id, *rest in cursor.fetchall():
            if kind == "m":
                capabilities[pk] = frozenset(
                    flag for flag, held in zip(CAPABILITY_FLAGS, rest[:-1], strict=True) if held
                )
                system.add(pk)
                if parent_id:
                    system.add(parent_id)
            elif kind == "a":
                alliance_ids.add(pk)
            elif kind == "p":
                partnership_ids.add(pk)
            elif kind == "c":
                system.add(pk)
            else:
                role = rest[-1]
    # the platform role came with the context: the user object need not ask again
    viewer.__dict__.setdefault("_platform_role_cache", role)
    return ViewerContext(
        authenticated=True,
        sees_everything=viewer.is_system_admin,
        school_ids=frozenset(capabilities),
        system_school_ids=frozenset(system),
        alliance_ids=frozenset(alliance_ids),
        partnership_ids=frozenset(partnership_ids),
        capabilities=capabilities,
    )


def viewer_context(viewer) -> ViewerContext:
    """What the viewer belongs to, computed once per request and kept on the user object."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return ANONYMOUS
    cached = viewer.__dict__.get(_ATTRIBUTE)
    if cached is None:
        cached = _compute(viewer)
        viewer.__dict__[_ATTRIBUTE] = cached
    return cached


def remember(viewer, key: str, compute: Callable[[], Any]) -> Any:
    """A per-request fact about the viewer, kept in the viewer context (dropped with it)."""
    context = viewer_context(viewer)
    if context is ANONYMOUS:
        return compute()
    if key not in context.memo:
        context.memo[key] = compute()
    return context.memo[key]


def forget_viewer(viewer) -> None:
    """Drop the cached context after the viewer's memberships or role changed."""
    if viewer is not None:
        viewer.__dict__.pop(_ATTRIBUTE, None)

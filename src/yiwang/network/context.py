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


def _compute(viewer) -> ViewerContext:
    rows = Membership.objects.filter(user=viewer, is_active=True, school__is_active=True).values_list(
        "school_id", *CAPABILITY_FLAGS
    )
    capabilities = {
        row[0]: frozenset(flag for flag, held in zip(CAPABILITY_FLAGS, row[1:], strict=True) if held)
        for row in rows
    }
    school_ids = frozenset(capabilities)
    alliance_ids = frozenset(
        AllianceMembership.objects.filter(school_id__in=school_ids).values_list("alliance_id", flat=True)
    )
    partnership_ids = frozenset(
        SupportPartnership.objects.filter(
            Q(supporter_id__in=school_ids) | Q(supported_id__in=school_ids)
        ).values_list("pk", flat=True)
    )
    return ViewerContext(
        authenticated=True,
        sees_everything=viewer.is_system_admin,
        school_ids=school_ids,
        system_school_ids=frozenset(system_of(school_ids)),
        alliance_ids=alliance_ids,
        partnership_ids=partnership_ids,
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

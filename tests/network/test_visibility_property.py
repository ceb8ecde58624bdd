"""Property test: the visibility selector against a straightforward reference definition.

Hypothesis builds random networks (schools with parents, alliances, support
partnerships), random memberships and random items with random scopes, and
checks that ``visible_to`` returns exactly what the reference says, for every
viewer including an anonymous one. Runs on whichever database the suite uses.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.accounts.models import User
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, AllianceMembership, Membership, School, SupportPartnership
from yiwang.network.visibility import visible_to

pytestmark = pytest.mark.django_db

SCOPES = list(SharingScope.values)


@st.composite
def networks(draw):
    n = draw(st.integers(min_value=2, max_value=7))
    # parent index < own index keeps the chain acyclic, like the service enforces.
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n)]
    alliances = draw(st.lists(st.sets(st.integers(0, n - 1), min_size=1, max_size=n), max_size=3))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            max_size=3,
            unique=True,
        )
    )
    users = draw(st.lists(st.sets(st.integers(0, n - 1), max_size=3), min_size=1, max_size=4))
    items = []
    for _ in range(draw(st.integers(1, 8))):
        owner = draw(st.integers(0, n - 1))
        scope = draw(st.sampled_from(SCOPES))
        own_alliances = [i for i, members in enumerate(alliances) if owner in members]
        own_pairs = [i for i, (a, b) in enumerate(pairs) if owner in (a, b)]
        picked_alliances, picked_pairs = [], []
        if scope == SharingScope.PARTNERS:
            picked_alliances = (
                draw(st.lists(st.sampled_from(own_alliances), unique=True)) if own_alliances else []
            )
            picked_pairs = draw(st.lists(st.sampled_from(own_pairs), unique=True)) if own_pairs else []
        items.append((owner, scope, picked_alliances, picked_pairs))
    return n, parents, alliances, pairs, users, items


def reference_visible(viewer_schools, authenticated, net) -> set[int]:
    """Item indexes the viewer may see, straight from the definition in the issue."""
    n, parents, alliances, pairs, _users, items = net

    def system(school):
        return (
            {school}
            | ({parents[school]} if parents[school] is not None else set())
            | {i for i in range(n) if parents[i] == school}
        )

    seen = set()
    for index, (owner, scope, picked_alliances, picked_pairs) in enumerate(items):
        if scope == SharingScope.PUBLIC:
            ok = True
        elif not authenticated:
            ok = False
        elif scope == SharingScope.NETWORK:
            ok = True
        elif scope == SharingScope.SCHOOL:
            ok = owner in viewer_schools
        elif scope == SharingScope.SYSTEM:
            ok = bool(system(owner) & viewer_schools)
        else:
            audience = set(system(owner))
            for a in picked_alliances:
                audience |= alliances[a]
            for p in picked_pairs:
                audience |= set(pairs[p])
            ok = bool(audience & viewer_schools)
        if ok:
            seen.add(index)
    return seen


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(net=networks())
def test_visibility_matches_reference(net):
    n, parents, alliances, pairs, users, items = net
    with transaction.atomic():
        schools = []
        for i in range(n):
            schools.append(
                School.objects.create(
                    code=f"p{i}",
                    name=f"性质测试党校{i}",
                    short_name=f"校{i}",
                    level="city",
                    province="广东省",
                    parent=schools[parents[i]] if parents[i] is not None else None,
                )
            )
        alliance_rows = []
        for k, members in enumerate(alliances):
            alliance = Alliance.objects.create(
                name=f"联盟{k}", kind="regional", lead_school=schools[min(members)]
            )
            for m in members:
                AllianceMembership.objects.create(
                    alliance=alliance, school=schools[m], joined_on=date(2024, 1, 1)
                )
            alliance_rows.append(alliance)
        pair_rows = [
            SupportPartnership.objects.create(
                supporter=schools[a], supported=schools[b], since=date(2024, 1, 1)
            )
            for a, b in pairs
        ]
        item_ids = {}
        for index, (owner, scope, picked_alliances, picked_pairs) in enumerate(items):
            teacher = Teacher.objects.create(owner_school=schools[owner], scope=scope, name=f"项{index}")
            teacher.shared_alliances.set([alliance_rows[a] for a in picked_alliances])
            teacher.shared_partnerships.set([pair_rows[p] for p in picked_pairs])
            item_ids[teacher.pk] = index
        viewers = [(AnonymousUser(), set(), False)]
        for u, member_of in enumerate(users):
            user = User.objects.create(username=f"viewer{u}", full_name=f"查看者{u}")
            for s in member_of:
                Membership.objects.create(user=user, school=schools[s], is_teacher=True)
            viewers.append((user, set(member_of), True))
        for viewer, member_of, authenticated in viewers:
            got = {
                item_ids[pk] for pk in visible_to(Teacher.objects.all(), viewer).values_list("pk", flat=True)
            }
            assert got == reference_visible(member_of, authenticated, net)
            # Counts go through the same rule.
            assert visible_to(Teacher.objects.all(), viewer).count() == len(got)
        transaction.set_rollback(True)

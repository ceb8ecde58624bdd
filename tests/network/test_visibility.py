"""The one visibility rule, checked case by case and against a reference definition."""

import pytest
from tests.factories import member, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.core.errors import NotFoundError
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.visibility import access, visible_to

pytestmark = pytest.mark.django_db


def teacher(owner, scope, alliances=(), partnerships=()):
    n = Teacher.objects.count()
    t = Teacher.objects.create(owner_school=owner, scope=scope, name=f"教师{owner.code}{scope}{n}")
    t.shared_alliances.set(alliances)
    t.shared_partnerships.set(partnerships)
    return t


def visible_names(viewer):
    return set(visible_to(Teacher.objects.all(), viewer).values_list("name", flat=True))


def test_school_scope_visible_only_to_owner_school(network):
    item = teacher(network.branch_a, SharingScope.SCHOOL)
    assert item.name in visible_names(member(network.branch_a, is_teacher=True))
    for other in (network.city, network.branch_b, network.far, network.partner, network.stranger):
        assert item.name not in visible_names(member(other, is_teacher=True))


def test_system_scope_reaches_parent_and_branches_not_siblings(network):
    item = teacher(network.city, SharingScope.SYSTEM)
    for school in (network.city, network.branch_a, network.branch_b):
        assert item.name in visible_names(member(school, is_teacher=True))
    for school in (network.far, network.partner, network.stranger):
        assert item.name not in visible_names(member(school, is_teacher=True))
    branch_item = teacher(network.branch_a, SharingScope.SYSTEM)
    assert branch_item.name in visible_names(member(network.city, is_teacher=True))
    assert branch_item.name not in visible_names(member(network.branch_b, is_teacher=True))


def test_partners_scope_reaches_picked_alliance_and_partnership(network):
    by_alliance = teacher(network.city, SharingScope.PARTNERS, alliances=[network.alliance])
    by_partnership = teacher(network.city, SharingScope.PARTNERS, partnerships=[network.partnership])
    far_viewer = member(network.far, is_teacher=True)
    partner_viewer = member(network.partner, is_teacher=True)
    assert visible_names(far_viewer) >= {by_alliance.name}
    assert by_partnership.name not in visible_names(far_viewer)
    assert by_partnership.name in visible_names(partner_viewer)
    assert by_alliance.name not in visible_names(partner_viewer)
    assert not visible_names(member(network.stranger, is_teacher=True)) & {
        by_alliance.name,
        by_partnership.name,
    }
    # The owner's system sees both.
    assert visible_names(member(network.branch_b)) >= {by_alliance.name, by_partnership.name}


def test_network_scope_needs_sign_in_and_public_does_not(network):
    from django.contrib.auth.models import AnonymousUser

    net = teacher(network.city, SharingScope.NETWORK)
    pub = teacher(network.city, SharingScope.PUBLIC)
    assert visible_names(AnonymousUser()) == {pub.name}
    assert visible_names(member(network.stranger)) == {net.name, pub.name}


def test_system_admin_sees_everything_other_admins_do_not(network):
    private = teacher(network.city, SharingScope.SCHOOL)
    assert private.name in visible_names(platform_admin(PlatformRoleKind.SYSTEM))
    assert private.name not in visible_names(platform_admin(PlatformRoleKind.AUDIT))
    assert private.name not in visible_names(platform_admin(PlatformRoleKind.SECURITY))


def test_access_answers_not_found_for_missing_and_forbidden(network):
    private = teacher(network.city, SharingScope.SCHOOL)
    outsider = member(network.stranger)
    with pytest.raises(NotFoundError) as forbidden:
        access(Teacher.objects.all(), outsider, private.pk)
    with pytest.raises(NotFoundError) as missing:
        access(Teacher.objects.all(), outsider, 999999)
    assert forbidden.value.message == missing.value.message
    assert access(Teacher.objects.all(), member(network.city), private.pk) == private

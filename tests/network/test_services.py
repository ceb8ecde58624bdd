from datetime import date

import pytest
from tests.factories import SchoolFactory, member, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.faculty.models import Teacher
from yiwang.network import services
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, School, SupportPartnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin():
    return platform_admin(PlatformRoleKind.SYSTEM)


def test_create_school_records_audit(sysadmin):
    school = services.create_school(
        by=sysadmin,
        code="gz-test",
        name="中共测试区委党校",
        short_name="测试",
        level="county",
        province="广东省",
    )
    record = AuditRecord.objects.get(action="school.created")
    assert record.actor == sysadmin
    assert record.school == school
    assert record.after["code"] == "gz-test"


def test_duplicate_school_code_refused_in_chinese(sysadmin):
    SchoolFactory(code="dup")
    with pytest.raises(ConflictError) as exc:
        services.create_school(
            by=sysadmin, code="dup", name="另一所党校", short_name="另", level="city", province="广东省"
        )
    assert exc.value.message == "学校代码“dup”已被使用。"
    assert School.objects.filter(code="dup").count() == 1
    assert not AuditRecord.objects.filter(action="school.created").exists()


def test_parent_chain_loop_refused(sysadmin):
    a = SchoolFactory(name="甲校")
    b = SchoolFactory(name="乙校", parent=a)
    c = SchoolFactory(name="丙校", parent=b)
    with pytest.raises(DomainError) as exc:
        services.update_school(by=sysadmin, school=a, parent=c)
    assert "会形成循环" in exc.value.message
    a.refresh_from_db()
    assert a.parent is None
    with pytest.raises(DomainError) as own:
        services.update_school(by=sysadmin, school=a, parent=a)
    assert own.value.message == "学校不能以自身为上级学校。"


def test_only_system_admin_manages_network():
    school = SchoolFactory()
    school_admin = member(school, is_school_admin=True)
    with pytest.raises(PermissionDeniedError):
        services.create_school(
            by=school_admin, code="x", name="某党校", short_name="某", level="city", province="广东省"
        )
    with pytest.raises(PermissionDeniedError):
        services.create_school(
            by=platform_admin(PlatformRoleKind.AUDIT),
            code="x",
            name="某党校",
            short_name="某",
            level="city",
            province="广东省",
        )
    assert not School.objects.filter(code="x").exists()


def test_invalid_level_refused(sysadmin):
    with pytest.raises(DomainError) as exc:
        services.create_school(
            by=sysadmin, code="x", name="某党校", short_name="某", level="galaxy", province="广东省"
        )
    assert exc.value.message == "学校级别只能是省级、市级或县区级。"


def test_alliance_includes_lead_school_and_refuses_duplicates(sysadmin):
    lead, other = SchoolFactory(), SchoolFactory()
    alliance = services.create_alliance(
        by=sysadmin, name="测试联盟", kind="adjacent", lead_school=lead, members=[other]
    )
    assert set(alliance.members.all()) == {lead, other}
    with pytest.raises(ConflictError):
        services.add_alliance_member(by=sysadmin, alliance=alliance, school=other)
    with pytest.raises(ConflictError):
        services.create_alliance(by=sysadmin, name="测试联盟", kind="adjacent", lead_school=lead)
    assert Alliance.objects.count() == 1


def test_partnership_refuses_self_and_duplicate(sysadmin):
    a, b = SchoolFactory(), SchoolFactory()
    services.create_support_partnership(by=sysadmin, supporter=a, supported=b, since=date(2024, 1, 1))
    with pytest.raises(ConflictError):
        services.create_support_partnership(by=sysadmin, supporter=a, supported=b, since=date(2024, 1, 1))
    with pytest.raises(DomainError) as exc:
        services.create_support_partnership(by=sysadmin, supporter=a, supported=a, since=date(2024, 1, 1))
    assert exc.value.message == "支援方和受援方不能是同一所学校。"
    assert SupportPartnership.objects.count() == 1


def test_validate_sharing_rejects_bad_scope_and_foreign_alliance(network):
    with pytest.raises(DomainError) as bad:
        services.validate_sharing(owner_school=network.city, scope="everyone")
    assert bad.value.message == "共享范围无效，只能是本校、本系统、协作、全网或公开。"
    with pytest.raises(DomainError) as foreign:
        services.validate_sharing(
            owner_school=network.stranger, scope=SharingScope.PARTNERS, alliances=[network.alliance]
        )
    assert "不是“测试片区”的成员" in foreign.value.message
    with pytest.raises(DomainError):
        services.validate_sharing(owner_school=network.city, scope=SharingScope.PARTNERS)
    services.validate_sharing(
        owner_school=network.city,
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
        partnerships=[network.partnership],
    )


def test_database_refuses_invalid_scope(network):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Teacher.objects.create(owner_school=network.city, scope="everyone", name="非法范围")


def test_set_membership_by_school_admin(network):
    admin = member(network.city, is_school_admin=True)
    newcomer = member(network.stranger)
    membership = services.set_membership(by=admin, user=newcomer, school=network.city, is_teacher=True)
    assert membership.is_teacher and not membership.is_school_admin
    with pytest.raises(PermissionDeniedError):
        services.set_membership(by=admin, user=newcomer, school=network.far, is_teacher=True)

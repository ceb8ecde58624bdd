"""人员管理: a school admin (or the security admin) adds people, sets capability flags, deactivates.

Before this, an account created on 账号管理 had no school and could do nothing.
"""

import pytest
from tests.factories import PASSWORD, UserFactory, member, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.models import User
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.network import rules, services
from yiwang.network.models import Membership

pytestmark = pytest.mark.django_db


def test_school_admin_creates_an_account_that_can_work(network):
    admin = member(network.city, is_school_admin=True)
    membership = services.add_person_to_school(
        by=admin,
        school=network.city,
        username="new-teaching-officer",
        full_name="新教务员",
        password=PASSWORD,
        is_teaching_staff=True,
    )
    user = User.objects.get(username="new-teaching-officer")
    assert membership.user == user and membership.school == network.city
    assert membership.is_teaching_staff and not membership.is_school_admin
    # the new account can do its work at once: edit the school's bank items
    assert rules.can_edit_bank_item(user, network.city)
    assert sorted(AuditRecord.objects.filter(actor=admin).values_list("action", flat=True)) == [
        "account.created",
        "membership.created",
    ]


def test_school_admin_attaches_an_existing_account(network):
    admin = member(network.city, is_school_admin=True)
    existing = member(network.far, is_teacher=True)
    services.add_person_to_school(by=admin, school=network.city, username=existing.username, is_teacher=True)
    assert set(Membership.objects.filter(user=existing).values_list("school__code", flat=True)) == {
        network.city.code,
        network.far.code,
    }


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"username": "  "}, "username", "请填写用户名。"),
        ({"username": "nobody-yet", "password": PASSWORD}, "full_name", "新建账号须填写姓名。"),
        ({"username": "nobody-yet", "full_name": "某某"}, "password", "新建账号须设置初始密码。"),
    ],
)
def test_adding_a_person_with_missing_details_changes_nothing(network, kwargs, field, message):
    admin = member(network.city, is_school_admin=True)
    users, memberships = User.objects.count(), Membership.objects.count()
    with pytest.raises(DomainError) as exc:
        services.add_person_to_school(by=admin, school=network.city, **kwargs)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_adding_someone_already_in_the_school_is_refused(network):
    admin = member(network.city, is_school_admin=True)
    colleague = member(network.city, is_teacher=True)
    with pytest.raises(ConflictError) as exc:
        services.add_person_to_school(by=admin, school=network.city, username=colleague.username)
    assert exc.value.message == f"“{colleague.full_name}”已是{network.city.short_name}的成员。"


def test_only_the_schools_admin_or_the_security_admin_manage_people(network):
    other_admin = member(network.far, is_school_admin=True)
    teaching = member(network.city, is_teaching_staff=True)
    system_admin = platform_admin(PlatformRoleKind.SYSTEM)
    for outsider in (other_admin, teaching, system_admin):
        with pytest.raises(PermissionDeniedError):
            services.add_person_to_school(
                by=outsider, school=network.city, username="x", full_name="x", password=PASSWORD
            )
    security = platform_admin(PlatformRoleKind.SECURITY)
    someone = UserFactory()
    services.add_person_to_school(
        by=security, school=network.far, username=someone.username, is_school_admin=True
    )
    assert rules.is_school_admin(User.objects.get(pk=someone.pk), network.far)


def test_flags_are_given_and_taken_and_a_membership_deactivated(network):
    admin = member(network.city, is_school_admin=True)
    person = member(network.city, is_teacher=True)
    membership = Membership.objects.get(user=person, school=network.city)
    services.set_membership(
        by=admin, user=person, school=network.city, is_teacher=True, is_research_staff=True
    )
    assert rules.can_edit_research(User.objects.get(pk=person.pk), network.city)
    services.set_membership(
        by=admin, user=person, school=network.city, is_teacher=True, is_research_staff=False
    )
    assert not rules.can_edit_research(User.objects.get(pk=person.pk), network.city)
    services.deactivate_membership(by=admin, membership=membership)
    fresh = User.objects.get(pk=person.pk)
    assert not rules.is_member(fresh, network.city)
    assert (
        AuditRecord.objects.filter(action="membership.deactivated", object_id=str(membership.pk)).count() == 1
    )
    with pytest.raises(ConflictError):
        services.deactivate_membership(by=admin, membership=membership)


def test_an_admin_cannot_lock_themself_out(network):
    admin = member(network.city, is_school_admin=True)
    with pytest.raises(DomainError) as exc:
        services.deactivate_membership(by=admin, membership=Membership.objects.get(user=admin))
    assert exc.value.message == "不能停用自己在本校的成员身份，请由其他管理员操作。"
    with pytest.raises(DomainError):
        services.set_membership(by=admin, user=admin, school=network.city, is_school_admin=False)
    assert rules.is_school_admin(User.objects.get(pk=admin.pk), network.city)


def test_people_page_adds_a_person_and_is_refused_to_others(network, client_for):
    admin = member(network.city, is_school_admin=True)
    client = client_for(admin)
    url = f"/network/schools/{network.city.code}/people/"
    page = client.get(url)
    assert page.status_code == 200
    assert "人员管理" in page.content.decode()
    answer = client.post(
        url,
        {"username": "page-made", "full_name": "页面新建", "password": PASSWORD, "is_teacher": "on"},
    )
    assert answer.status_code == 302
    assert Membership.objects.get(user__username="page-made", school=network.city).is_teacher
    outsider = member(network.far, is_school_admin=True)
    assert client_for(outsider).get(url).status_code == 403


def test_network_overview_groups_by_province_and_level_with_the_municipal_school_first(network, client_for):
    from tests.factories import SchoolFactory

    from yiwang.network.enums import SchoolLevel
    from yiwang.network.selectors import schools_by_province

    SchoolFactory(
        code="yn-prov",
        name="中共云南省委党校",
        short_name="云南省",
        province="云南省",
        level=SchoolLevel.PROVINCE,
    )
    SchoolFactory(code="gd-prov", name="中共广东省委党校", short_name="广东省", level=SchoolLevel.PROVINCE)
    groups = schools_by_province()
    assert [g["province"] for g in groups] == ["广东省", "云南省"]
    guangdong = groups[0]
    assert [level for level, _ in guangdong["levels"]] == ["省级", "市级", "县区级"]
    city_level = dict(guangdong["levels"])["市级"]
    assert city_level[0] == network.city  # the school with branches leads its level
    html = client_for(member(network.city)).get("/network/").content.decode()
    assert html.index("广东省") < html.index("云南省")

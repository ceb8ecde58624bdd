"""factory-boy factories for the foundation, and a small reusable network."""

from datetime import date
from types import SimpleNamespace

import factory
from django.contrib.auth.hashers import make_password

from yiwang.accounts.models import PlatformRole, User
from yiwang.network.enums import AllianceKind, SchoolLevel
from yiwang.network.models import Alliance, AllianceMembership, Membership, School, SupportPartnership

PASSWORD = "Yiwang@2026"
_PASSWORD_HASH = None


def password_hash():
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"s{n:04d}")
    name = factory.Sequence(lambda n: f"测试党校{n:04d}")
    short_name = factory.Sequence(lambda n: f"测试{n:04d}")
    level = SchoolLevel.CITY
    province = "广东省"
    city = "广州市"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n:05d}")
    full_name = factory.Sequence(lambda n: f"用户{n:05d}")
    password = factory.LazyFunction(password_hash)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"测试联盟{n:03d}")
    kind = AllianceKind.REGIONAL
    lead_school = factory.SubFactory(SchoolFactory)


def member(school, **flags) -> User:
    """A new user who is a member of ``school`` with the given capability flags."""
    return MembershipFactory(school=school, **flags).user


def platform_admin(role: str) -> User:
    user = UserFactory()
    PlatformRole.objects.create(user=user, role=role)
    return user


def join(alliance, *schools):
    for school in schools:
        AllianceMembership.objects.get_or_create(
            alliance=alliance, school=school, defaults={"joined_on": date(2024, 1, 1)}
        )


def build_small_network() -> SimpleNamespace:
    """
    city ── branch_a, branch_b      (one system)
    far                              (alone; in ``alliance`` with city)
    partner                          (supported by city: ``partnership``)
    stranger                         (related to nobody)
    """
    city = SchoolFactory(code="city", name="中共测试市委党校", short_name="测试市")
    branch_a = SchoolFactory(
        code="city-a", name="中共测试市甲区委党校", short_name="甲区", parent=city, level=SchoolLevel.COUNTY
    )
    branch_b = SchoolFactory(
        code="city-b", name="中共测试市乙区委党校", short_name="乙区", parent=city, level=SchoolLevel.COUNTY
    )
    far = SchoolFactory(code="far", name="中共远方市委党校", short_name="远方")
    partner = SchoolFactory(
        code="partner", name="中共受援县委党校", short_name="受援", level=SchoolLevel.COUNTY
    )
    stranger = SchoolFactory(code="stranger", name="中共无关市委党校", short_name="无关")
    alliance = AllianceFactory(name="测试片区", lead_school=city)
    join(alliance, city, far)
    partnership = SupportPartnership.objects.create(supporter=city, supported=partner, since=date(2020, 1, 1))
    return SimpleNamespace(
        city=city,
        branch_a=branch_a,
        branch_b=branch_b,
        far=far,
        partner=partner,
        stranger=stranger,
        alliance=alliance,
        partnership=partnership,
    )

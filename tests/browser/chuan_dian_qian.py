"""The 川滇黔 schools the browser tests meet (real names, as in the demo), their alliance and their
training staff."""

from tests.factories import AllianceFactory, MembershipFactory, SchoolFactory, UserFactory, join

from yiwang.network.enums import AllianceKind, SchoolLevel

SCHOOLS = {
    "lz-xuyong": ("中共叙永县委党校", "叙永", "四川省", "泸州市"),
    "weixin": ("中共威信县委党校", "威信", "云南省", "昭通市"),
    "chishui": ("中共赤水市委党校", "赤水", "贵州省", "遵义市"),
}


def alliance_of(*codes):
    """The schools ``codes`` (county level) and the 川滇黔 alliance they form, led by the first."""
    schools = []
    for code in codes:
        name, short_name, province, city = SCHOOLS[code]
        schools.append(
            SchoolFactory(
                code=code,
                name=name,
                short_name=short_name,
                level=SchoolLevel.COUNTY,
                province=province,
                city=city,
            )
        )
    alliance = AllianceFactory(
        name="川滇黔毗邻区县党校联盟", kind=AllianceKind.ADJACENT, lead_school=schools[0]
    )
    join(alliance, *schools)
    return alliance, schools


def training_staff(school, username: str, full_name: str):
    """A training-office member of ``school`` who signs in as ``username``."""
    user = UserFactory(username=username, full_name=full_name)
    MembershipFactory(user=user, school=school, is_training_staff=True)
    return user

"""Demo network: the schools of DOMAIN.md with fictional people.

Idempotent: every row is found by its natural key first, so a second run
changes nothing. ``scale`` adds that many synthetic schools (with an admin
and five teachers each) for benchmarks.
"""

from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.models import PlatformRole, User
from yiwang.core.demo_names import unique_names

from .enums import AllianceKind, SchoolLevel
from .models import Alliance, AllianceMembership, Membership, School, SupportPartnership

DEMO_PASSWORD = "Yiwang@2026"

GZ_DISTRICTS = [
    ("yuexiu", "越秀"),
    ("haizhu", "海珠"),
    ("liwan", "荔湾"),
    ("tianhe", "天河"),
    ("baiyun", "白云"),
    ("huangpu", "黄埔"),
    ("panyu", "番禺"),
    ("huadu", "花都"),
    ("nansha", "南沙"),
    ("conghua", "从化"),
    ("zengcheng", "增城"),
]

# code, name, short, level, province, city, parent code
OTHER_SCHOOLS = [
    ("hy", "中共河源市委党校", "河源", SchoolLevel.CITY, "广东省", "河源市", None),
    ("mz", "中共梅州市委党校", "梅州", SchoolLevel.CITY, "广东省", "梅州市", None),
    ("zq", "中共肇庆市委党校", "肇庆", SchoolLevel.CITY, "广东省", "肇庆市", None),
    ("qy", "中共清远市委党校", "清远", SchoolLevel.CITY, "广东省", "清远市", None),
    ("ly", "中共龙岩市委党校", "龙岩", SchoolLevel.CITY, "福建省", "龙岩市", None),
    ("bj", "中共毕节市委党校", "毕节", SchoolLevel.CITY, "贵州省", "毕节市", None),
    ("sf", "中共疏附县委党校", "疏附", SchoolLevel.COUNTY, "新疆维吾尔自治区", "喀什地区", None),
    ("bm", "中共波密县委党校", "波密", SchoolLevel.COUNTY, "西藏自治区", "林芝市", None),
    ("lz", "中共泸州市委党校", "泸州", SchoolLevel.CITY, "四川省", "泸州市", None),
    ("lz-xuyong", "中共叙永县委党校", "叙永", SchoolLevel.COUNTY, "四川省", "泸州市", "lz"),
    ("lz-gulin", "中共古蔺县委党校", "古蔺", SchoolLevel.COUNTY, "四川省", "泸州市", "lz"),
    ("lz-hejiang", "中共合江县委党校", "合江", SchoolLevel.COUNTY, "四川省", "泸州市", "lz"),
    ("xingwen", "中共兴文县委党校", "兴文", SchoolLevel.COUNTY, "四川省", "宜宾市", None),
    ("bj-qixingguan", "中共毕节市七星关区委党校", "七星关", SchoolLevel.COUNTY, "贵州省", "毕节市", "bj"),
    ("weixin", "中共威信县委党校", "威信", SchoolLevel.COUNTY, "云南省", "昭通市", None),
    ("zhenxiong", "中共镇雄县委党校", "镇雄", SchoolLevel.COUNTY, "云南省", "昭通市", None),
]

REGIONAL_GROUP = ["gz", "hy", "mz", "zq", "qy"]
ADJACENT_ALLIANCE = [
    "lz",
    "lz-xuyong",
    "lz-gulin",
    "lz-hejiang",
    "xingwen",
    "bj-qixingguan",
    "weixin",
    "zhenxiong",
]
SUPPORTED_BY_GZ = [
    ("mz", "2021-03-01"),
    ("ly", "2021-06-01"),
    ("bj", "2016-09-01"),
    ("sf", "2010-07-01"),
    ("bm", "2016-05-01"),
]


class DemoLog:
    def __init__(self, write=None):
        self.write = write or (lambda text: None)
        self.created = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1


def _school(log, code, name, short, level, province, city, parent=None) -> School:
    school, created = School.objects.get_or_create(
        code=code,
        defaults=dict(name=name, short_name=short, level=level, province=province, city=city, parent=parent),
    )
    log.count(created)
    return school


def _user(log, username: str, full_name: str, password_hash: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "password": password_hash}
    )
    log.count(created)
    return user


def _member(log, user, school, **flags) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, school=school, defaults=flags)
    log.count(created)
    return membership


def demo_schools() -> dict[str, School]:
    return {s.code: s for s in School.objects.all()}


@transaction.atomic
def load(*, scale: int = 0, log: DemoLog) -> None:
    password_hash = make_password(DEMO_PASSWORD)
    gz = _school(log, "gz", "中共广州市委党校", "广州", SchoolLevel.CITY, "广东省", "广州市")
    schools = {"gz": gz}
    for slug, district in GZ_DISTRICTS:
        code = f"gz-{slug}"
        schools[code] = _school(
            log, code, f"中共广州市{district}区委党校", district, SchoolLevel.COUNTY, "广东省", "广州市", gz
        )
    for code, name, short, level, province, city, parent in OTHER_SCHOOLS:
        schools[code] = _school(log, code, name, short, level, province, city, schools.get(parent))

    regional, created = Alliance.objects.get_or_create(
        name="片区协作第一片区",
        defaults={
            "kind": AllianceKind.REGIONAL,
            "lead_school": gz,
            "description": "广州、河源、梅州、肇庆、清远五市党校教学互鉴、师资互派、培训互接、基地互用、科研互助。",
        },
    )
    log.count(created)
    for code in REGIONAL_GROUP:
        _, c = AllianceMembership.objects.get_or_create(
            alliance=regional, school=schools[code], defaults={"joined_on": date(2022, 4, 1)}
        )
        log.count(c)
    adjacent, created = Alliance.objects.get_or_create(
        name="川滇黔毗邻区县党校联盟",
        defaults={
            "kind": AllianceKind.ADJACENT,
            "lead_school": schools["lz-xuyong"],
            "description": "川滇黔三省毗邻区县党校发展共商、信息共通、基地共用、班次互派、课程共享、课题共研、师资共育。",
        },
    )
    log.count(created)
    for code in ADJACENT_ALLIANCE:
        _, c = AllianceMembership.objects.get_or_create(
            alliance=adjacent, school=schools[code], defaults={"joined_on": date(2023, 6, 1)}
        )
        log.count(c)
    for code, since in SUPPORTED_BY_GZ:
        _, c = SupportPartnership.objects.get_or_create(
            supporter=gz,
            supported=schools[code],
            defaults={"since": date.fromisoformat(since), "note": "对口支援：班次互派、师资互派、人才交流"},
        )
        log.count(c)

    # Platform admins: three different people (三员分立).
    for username, full_name, role in (
        ("sysadmin", "系统管理员（演示）", PlatformRoleKind.SYSTEM),
        ("secadmin", "安全管理员（演示）", PlatformRoleKind.SECURITY),
        ("auditadmin", "审计管理员（演示）", PlatformRoleKind.AUDIT),
    ):
        user = _user(log, username, full_name, password_hash)
        _, c = PlatformRole.objects.get_or_create(user=user, defaults={"role": role})
        log.count(c)

    names = iter(unique_names(600, seed=20261122))
    for code, school in schools.items():
        admin = _user(log, f"{code}-admin", next(names), password_hash)
        _member(log, admin, school, is_school_admin=True, is_teaching_staff=True)
        if code == "gz" or code.startswith("gz-"):
            staff = _user(log, f"{code}-staff", next(names), password_hash)
            _member(
                log, staff, school, is_teaching_staff=True, is_training_staff=True, is_research_staff=True
            )
            for i in range(1, 6):
                teacher = _user(log, f"{code}-t{i}", next(names), password_hash)
                _member(log, teacher, school, is_teacher=True)
        else:
            teacher = _user(log, f"{code}-t1", next(names), password_hash)
            _member(log, teacher, school, is_teacher=True)

    if scale:
        _load_synthetic(scale=scale, log=log, password_hash=password_hash)


def _load_synthetic(*, scale: int, log: DemoLog, password_hash: str) -> None:
    """``scale`` synthetic schools in groups of ten (one parent, nine branches)."""
    existing = set(School.objects.filter(code__startswith="syn-").values_list("code", flat=True))
    new_schools = []
    parents: dict[int, School] = {}
    for i in range(scale):
        code = f"syn-{i:05d}"
        if code in existing:
            continue
        group = i // 10
        parent_code = f"syn-{group * 10:05d}"
        is_parent = i % 10 == 0
        school = School(
            code=code,
            name=f"合成党校{i:05d}",
            short_name=f"合成{i:05d}",
            level=SchoolLevel.CITY if is_parent else SchoolLevel.COUNTY,
            province="合成省",
            city=f"合成市{group}",
        )
        if not is_parent:
            school.parent = parents.get(group) or School.objects.filter(code=parent_code).first()
        school.save()
        if is_parent:
            parents[group] = school
        new_schools.append(school)
    users = []
    for school in new_schools:
        users.append(
            User(
                username=f"{school.code}-admin",
                full_name=f"{school.short_name}管理员",
                password=password_hash,
            )
        )
        users.extend(
            User(
                username=f"{school.code}-t{k}",
                full_name=f"{school.short_name}教师{k}",
                password=password_hash,
            )
            for k in range(1, 6)
        )
    User.objects.bulk_create(users, batch_size=2000)
    by_name = {u.username: u for u in User.objects.filter(username__startswith="syn-")}
    memberships = []
    for school in new_schools:
        memberships.append(
            Membership(user=by_name[f"{school.code}-admin"], school=school, is_school_admin=True)
        )
        memberships.extend(
            Membership(user=by_name[f"{school.code}-t{k}"], school=school, is_teacher=True)
            for k in range(1, 6)
        )
    Membership.objects.bulk_create(memberships, batch_size=2000)
    log.created += len(new_schools) + len(users) + len(memberships)

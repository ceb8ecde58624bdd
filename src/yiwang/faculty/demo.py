"""Demo teachers (师资库): a profile for every demo teacher account, plus invited lecturers
of the 红棉讲坛 series. Idempotent (found by account, or by school + name) and deterministic."""

import random

from django.db import transaction

from yiwang.core.demo_names import unique_names
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, Membership, School, SupportPartnership

from .enums import AcademicTitle, Gender
from .models import Teacher
from .services import create_teacher, name_pinyin

DEPARTMENTS = {
    "党史党建教研部": ["党史", "党的建设", "基层党建", "两个确立", "全面从严治党"],
    "马克思主义理论教研部": ["习近平新时代中国特色社会主义思想", "马克思主义中国化", "两个确立"],
    "经济学教研部": ["高质量发展", "数字经济", "新质生产力", "粤港澳大湾区", "区域协调发展"],
    "公共管理教研部": ["基层治理", "城市治理", "应急管理", "数字政府", "百千万工程"],
    "法学教研部": ["法治政府", "依法行政", "社会治理法治化"],
    "文史教研部": ["岭南文化", "红色文化", "文化强省"],
    "科学社会主义教研部": ["乡村振兴", "共同富裕", "民生保障"],
    "社会和生态文明教研部": ["生态文明", "绿美广东", "城乡融合"],
    "领导科学教研部": ["领导力", "调查研究", "群众工作"],
}
POSITIONS = ["", "", "", "教研部副主任", "教研部主任", "教研室主任", "教务处副处长", "科研处副处长"]
TITLE_WEIGHTS = [
    (AcademicTitle.PROFESSOR, 2),
    (AcademicTitle.ASSOCIATE, 4),
    (AcademicTitle.LECTURER, 4),
    (AcademicTitle.ASSISTANT, 1),
]

# 红棉讲坛 and other invited lecturers: employer, post, expertise.
INVITED = [
    ("广州市发展和改革委员会", "副主任", "高质量发展、营商环境"),
    ("广州市农业农村局", "副局长", "乡村振兴、百千万工程"),
    ("广州市政务服务和数据管理局", "总工程师", "数字政府、数据要素"),
    ("广州市南沙区发展和改革局", "局长", "粤港澳大湾区、南沙开发开放"),
    ("广州市委政策研究室", "处长", "决策咨询、调查研究"),
    ("广州市工业和信息化局", "二级巡视员", "新质生产力、先进制造业"),
    ("广州市科学技术局", "副局长", "科技创新、新质生产力"),
    ("广州市民政局", "处长", "基层治理、社区治理"),
    ("中山大学", "教授", "粤港澳大湾区、区域经济"),
    ("暨南大学", "教授", "数字经济、产业政策"),
    ("华南理工大学", "研究员", "人工智能、智能制造"),
    ("广东省社会科学院", "研究员", "岭南文化、党史"),
]


def _weighted_title(rng: random.Random) -> str:
    values, weights = zip(*TITLE_WEIGHTS, strict=True)
    return rng.choices(values, weights=weights)[0]


def scope_and_sharing(rng: random.Random, school: School, sharing: dict) -> tuple[str, list, list]:
    """Spread over all five scopes; 协作 only where the school has an alliance or partnership."""
    scope = rng.choice(
        [
            SharingScope.SYSTEM,
            SharingScope.SYSTEM,
            SharingScope.NETWORK,
            SharingScope.NETWORK,
            SharingScope.SCHOOL,
            SharingScope.PARTNERS,
            SharingScope.PARTNERS,
            SharingScope.PUBLIC,
        ]
    )
    alliances, partnerships = sharing.get(school.pk, ([], []))
    if scope == SharingScope.PARTNERS:
        if not (alliances or partnerships):
            return SharingScope.NETWORK, [], []
        return scope, alliances[:1], partnerships[:2]
    return scope, [], []


def sharing_options() -> dict:
    """school id → (alliances it belongs to, partnerships it takes part in)."""
    result: dict[int, tuple[list, list]] = {}
    for alliance in Alliance.objects.prefetch_related("memberships").order_by("name"):
        for m in alliance.memberships.all():
            result.setdefault(m.school_id, ([], []))[0].append(alliance)
    for p in SupportPartnership.objects.order_by("pk"):
        for school_id in (p.supporter_id, p.supported_id):
            result.setdefault(school_id, ([], []))[1].append(p)
    return result


def _profile_fields(rng: random.Random, name: str, school: School) -> dict:
    department = rng.choice(list(DEPARTMENTS))
    expertise = rng.sample(DEPARTMENTS[department], k=min(2, len(DEPARTMENTS[department])))
    pinyin, _ = name_pinyin(name)
    return {
        "gender": rng.choice(Gender.values),
        "title": _weighted_title(rng),
        "position": rng.choice(POSITIONS),
        "department": department,
        "expertise": "、".join(expertise),
        "bio": f"{school.short_name}党校{department}教师，长期从事{expertise[0]}方面的教学与研究，多次为主体班、中青班授课。",
        "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        "email": f"{pinyin}@{school.code}.dangxiao.example.cn",
    }


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    rng = random.Random(20261123)
    sharing = sharing_options()
    teacher_memberships = (
        Membership.objects.filter(is_teacher=True, user__username__regex=r"-t[1-5]$")
        .select_related("user", "school")
        .order_by("school__code", "user__username")
    )
    for membership in teacher_memberships:
        user, school = membership.user, membership.school
        fields = _profile_fields(rng, user.full_name, school)
        scope, alliances, partnerships = scope_and_sharing(rng, school, sharing)
        if Teacher.objects.filter(user=user).exists():
            log.count(False)
            continue
        create_teacher(
            by=None,
            school=school,
            name=user.full_name,
            user=user,
            scope=scope,
            alliances=alliances,
            partnerships=partnerships,
            **fields,
        )
        log.count(True)
    _load_invited(rng, log, sharing)
    _load_without_accounts(rng, log, sharing)


def _load_invited(rng: random.Random, log, sharing: dict) -> None:
    gz = School.objects.filter(code="gz").first()
    if gz is None:
        return
    names = unique_names(len(INVITED), seed=88001)
    for name, (employer, post, expertise) in zip(names, INVITED, strict=True):
        if Teacher.objects.filter(owner_school=gz, name=name).exists():
            log.count(False)
            continue
        scope = rng.choice([SharingScope.NETWORK, SharingScope.PUBLIC, SharingScope.SYSTEM])
        create_teacher(
            by=None,
            school=gz,
            name=name,
            scope=scope,
            is_invited=True,
            employer=employer,
            post=post,
            title=AcademicTitle.OTHER,
            expertise=expertise,
            gender=rng.choice(Gender.values),
            bio=f"{employer}{post}，红棉讲坛特邀主讲人，主讲{expertise.split('、')[0]}专题。",
        )
        log.count(True)


def _load_without_accounts(rng: random.Random, log, sharing: dict) -> None:
    """A few more teachers with no login (retired accounts, part-time lecturers)."""
    schools = list(School.objects.filter(code__in=["gz", "gz-tianhe", "gz-nansha", "mz", "lz", "lz-xuyong"]))
    names = unique_names(12, seed=88002)
    for index, name in enumerate(names):
        school = schools[index % len(schools)] if schools else None
        if school is None:
            return
        if Teacher.objects.filter(owner_school=school, name=name).exists():
            log.count(False)
            continue
        scope, alliances, partnerships = scope_and_sharing(rng, school, sharing)
        create_teacher(
            by=None,
            school=school,
            name=name,
            scope=scope,
            alliances=alliances,
            partnerships=partnerships,
            **_profile_fields(rng, name, school),
        )
        log.count(True)

"""Demo research: 32 projects with cross-school teams, outputs (papers, 咨政报告) and endorsements (批示).

Idempotent (a project is found by school + title, an output by school + title + kind,
an endorsement by output + level + date) and deterministic. Every person is fictional.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from yiwang.accounts.models import User
from yiwang.faculty.demo import scope_and_sharing, sharing_options
from yiwang.faculty.models import Teacher
from yiwang.network.models import School

from . import services
from .enums import LeaderLevel, MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from .models import Endorsement, ResearchOutput, ResearchProject

THEMES = [
    (
        "百千万工程",
        [
            "“百千万工程”背景下镇街基层治理能力提升研究",
            "县域经济高质量发展的路径与机制研究",
            "城乡区域协调发展中的镇域功能定位研究",
            "“百千万工程”中驻镇帮镇扶村机制优化研究",
        ],
    ),
    (
        "乡村振兴",
        [
            "乡村振兴中农村集体经济发展模式研究",
            "新型农村社区治理中的党建引领机制研究",
            "乡村人才振兴与返乡创业政策评估",
            "和美乡村建设的广州实践与经验",
        ],
    ),
    (
        "高质量发展",
        [
            "超大城市高质量发展评价指标体系研究",
            "制造业当家与产业链现代化研究",
            "民营经济高质量发展的营商环境优化研究",
            "新质生产力培育的广州路径",
        ],
    ),
    (
        "基层治理",
        [
            "党建引领城中村治理的机制创新研究",
            "“令行禁止、有呼必应”基层治理机制研究",
            "超大城市社区网格化治理效能研究",
            "新就业群体党建工作研究",
        ],
    ),
    (
        "党史",
        [
            "广州红色文化资源保护利用研究",
            "大革命时期广州党组织建设史研究",
            "红色资源融入干部教育培训的路径研究",
            "英雄城市精神谱系研究",
        ],
    ),
    (
        "数字经济",
        [
            "数字政府建设与城市治理现代化研究",
            "人工智能赋能政务服务的实践研究",
            "数据要素市场化配置改革研究",
            "领导干部数字素养提升研究",
        ],
    ),
    (
        "粤港澳大湾区",
        [
            "南沙粤港澳全面合作中的规则衔接研究",
            "大湾区科技创新走廊协同机制研究",
            "湾区青年创新创业政策比较研究",
            "大湾区公共服务共建共享研究",
        ],
    ),
    (
        "协作共建",
        [
            "川滇黔毗邻地区党校协作机制研究",
            "对口支援地区干部培训质量提升研究",
            "东西部协作中的产业帮扶机制研究",
            "赤水河流域生态保护协同治理研究",
        ],
    ),
]
VENUES = [
    "《岭南学刊》",
    "《探求》",
    "《广东行政学院学报》",
    "《中共四川省委党校学报》",
    "《理论月刊》",
    "《南方日报》理论版",
]
RECIPIENTS = ["市委政策研究室", "市委办公厅", "省委政策研究室", "市政府研究室", "区委办公室"]
LEADER_LEVELS = [LeaderLevel.PROVINCIAL, LeaderLevel.MUNICIPAL, LeaderLevel.MUNICIPAL, LeaderLevel.COUNTY]


def _school_pool(schools: dict[str, School], theme: str) -> list[School]:
    adjacent = [
        "lz",
        "lz-xuyong",
        "lz-gulin",
        "lz-hejiang",
        "xingwen",
        "bj-qixingguan",
        "weixin",
        "zhenxiong",
    ]
    if theme == "协作共建":
        codes = adjacent + ["gz", "bj", "mz", "ly"]
    elif theme in ("党史", "粤港澳大湾区", "数字经济"):
        codes = [c for c in schools if c == "gz" or c.startswith("gz-")]
    else:
        codes = [c for c in schools if c.startswith("gz") or c in ("hy", "mz", "zq", "qy")]
    return [schools[c] for c in codes if c in schools]


def _admin(school: School):
    return User.objects.filter(username=f"{school.code}-admin").first()


def _project(rng, log, sharing, school, title, teachers, all_teachers) -> ResearchProject | None:
    existing = ResearchProject.objects.filter(owner_school=school, title=title).first()
    if existing is not None:
        log.count(False)
        return existing
    own = teachers.get(school.pk, [])
    if not own:
        return None
    principal = rng.choice(own)
    others = rng.sample(all_teachers, k=min(len(all_teachers), rng.randint(2, 4)))
    members = [(t, MemberRole.CORE if i == 0 else MemberRole.MEMBER) for i, t in enumerate(others)]
    start = date(rng.choice([2022, 2023, 2024, 2025]), rng.choice([1, 3, 4, 6, 9]), 1)
    end = start + timedelta(days=rng.choice([364, 546, 729]))
    level = rng.choice(
        [
            ProjectLevel.NATIONAL,
            ProjectLevel.PROVINCIAL,
            ProjectLevel.PROVINCIAL,
            ProjectLevel.MUNICIPAL,
            ProjectLevel.MUNICIPAL,
            ProjectLevel.SCHOOL,
        ]
    )
    scope, alliances, partnerships = scope_and_sharing(rng, school, sharing)
    project = services.create_project(
        by=None,
        school=school,
        title=title,
        level=level,
        category=rng.choice(ProjectCategory.values),
        principal_investigator=principal,
        members=members,
        start_date=start,
        end_date=end,
        funding=Decimal(rng.choice([2, 3, 5, 8, 10, 15, 20, 30])),
        keywords=title[:10],
        summary=f"本课题围绕“{title}”，通过实地调研、比较研究和政策分析，提出可操作的对策建议。",
        status=_status_for(start, end),
        scope=scope,
        alliances=alliances,
        partnerships=partnerships,
    )
    log.count(True)
    return project


def _status_for(start: date, end: date) -> str:
    if end < date(2025, 1, 1):
        return ProjectStatus.CONCLUDED
    if start >= date(2025, 6, 1):
        return ProjectStatus.APPROVED
    return ProjectStatus.ONGOING


def _outputs(log, sharing, project: ResearchProject, verifier) -> None:
    rng = random.Random(f"yiwang-outputs-{project.title}")
    members = [m.teacher for m in project.memberships.select_related("teacher")]
    kinds = [OutputKind.ADVISORY, OutputKind.PAPER] + ([OutputKind.REPORT] if rng.random() < 0.5 else [])
    for index, kind in enumerate(kinds):
        title = {
            OutputKind.ADVISORY: f"关于{project.title.removesuffix('研究')}的对策建议",
            OutputKind.PAPER: f"{project.title.removesuffix('研究')}：理论逻辑与实践路径",
            OutputKind.REPORT: f"{project.title}调研报告",
        }[kind]
        output = ResearchOutput.objects.filter(
            owner_school=project.owner_school, title=title, kind=kind
        ).first()
        rng = random.Random(f"yiwang-output-{title}")
        if output is None:
            day = min(project.start_date + timedelta(days=120 + 90 * index), date(2025, 12, 31))
            venue = rng.choice(RECIPIENTS) if kind == OutputKind.ADVISORY else rng.choice(VENUES)
            scope, alliances, partnerships = scope_and_sharing(rng, project.owner_school, sharing)
            output = services.create_output(
                by=None,
                school=project.owner_school,
                kind=kind,
                title=title,
                published_on=day,
                venue=venue,
                authors=members[: rng.randint(1, 3)],
                author_text="课题组" if rng.random() < 0.3 else "",
                project=project,
                abstract=f"本成果是课题“{project.title}”的阶段性成果。",
                keywords=project.keywords,
                scope=scope,
                alliances=alliances,
                partnerships=partnerships,
                file=ContentFile(f"{title}\n\n（演示全文）".encode(), name=f"{title[:60]}.txt"),
            )
            log.count(True)
        else:
            log.count(False)
        if kind == OutputKind.ADVISORY:
            _endorsements(random.Random(f"yiwang-endorsements-{title}"), log, output, verifier)


def _endorsements(rng, log, output: ResearchOutput, verifier) -> None:
    for n in range(rng.choice([0, 1, 1, 2, 3])):
        day = output.published_on + timedelta(days=20 + 30 * n)
        level = rng.choice(LEADER_LEVELS)
        verified = rng.random() < 0.75
        existing = Endorsement.objects.filter(output=output, leader_level=level, endorsed_on=day).first()
        if existing is not None:
            log.count(False)
            continue
        endorsement = services.add_endorsement(
            by=None,
            output=output,
            leader_level=level,
            endorsed_on=day,
            summary="批示肯定了报告的分析和建议，要求相关部门结合实际研究吸收。",
        )
        if verified:
            services.verify_endorsement(by=None, endorsement=endorsement)
            Endorsement.objects.filter(pk=endorsement.pk).update(verified_by=verifier)
        log.count(True)


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    schools = {s.code: s for s in School.objects.filter(is_active=True)}
    teachers: dict[int, list[Teacher]] = {}
    for teacher in Teacher.objects.filter(is_active=True, is_invited=False).order_by(
        "owner_school_id", "name_pinyin", "id"
    ):
        teachers.setdefault(teacher.owner_school_id, []).append(teacher)
    all_teachers = [t for group in teachers.values() for t in group]
    if not all_teachers:
        return
    sharing = sharing_options()
    for theme, titles in THEMES:
        pool = [s for s in _school_pool(schools, theme) if teachers.get(s.pk)]
        for title in titles:
            if not pool:
                continue
            rng = random.Random(f"yiwang-research-{title}")  # per item: a re-run draws the same numbers
            school = pool[rng.randrange(len(pool))]
            project = _project(rng, log, sharing, school, title, teachers, all_teachers)
            if project is not None:
                _outputs(log, sharing, project, _admin(project.owner_school))

"""Two years of history for the boards: monthly open sessions of 广州 and four district schools with
visiting check-ins and ratings, and advisory reports with verified 批示 — so trends and year-over-year
comparisons show real shapes. Relative to today (the 24 months before the current one), seeded and
idempotent (one history class per school and year, found by name)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.classes.enums import ClassKind, ClassStatus, SignUpStatus
from yiwang.classes.models import CheckIn, Evaluation, Session, SignUp, TrainingClass
from yiwang.network.enums import SharingScope
from yiwang.network.models import School
from yiwang.research.enums import LeaderLevel, OutputKind
from yiwang.research.models import Endorsement, ResearchOutput

HOSTS = ["gz", "gz-panyu", "gz-tianhe", "gz-haizhu", "gz-yuexiu"]
TITLES = [
    "习近平新时代中国特色社会主义思想专题",
    "百县千镇万村高质量发展工程的广州实践",
    "超大城市基层治理现代化",
    "粤港澳大湾区建设与开放型经济",
    "红色文化资源的保护与利用",
    "数字政府建设与营商环境优化",
    "全面从严治党与作风建设",
    "乡村振兴与城乡融合发展",
]
REPORTS = [
    "关于推进城中村改造的咨政建议",
    "关于优化营商环境的调研报告",
    "关于提升基层治理效能的对策建议",
    "关于发展新质生产力的咨政报告",
    "关于加强红色资源保护利用的建议",
    "关于推动百千万工程落地见效的报告",
]


def _months(today: date, count: int = 24) -> list[date]:
    first = date(today.year, today.month, 1)
    out = []
    for i in range(count, 0, -1):
        index = first.year * 12 + first.month - 1 - i
        out.append(date(index // 12, index % 12 + 1, 1))
    return out


def _visitors() -> list[tuple[User, School]]:
    users = list(User.objects.filter(username__regex=r"^gz-[a-z]+-t[1-3]$").order_by("username"))
    schools = {s.code: s for s in School.objects.filter(code__startswith="gz-")}
    return [
        (u, schools[u.username.rsplit("-t", 1)[0]]) for u in users if u.username.rsplit("-t", 1)[0] in schools
    ]


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    hosts = [s for s in School.objects.filter(code__in=HOSTS).order_by("code")]
    if not hosts:
        return
    today = timezone.localdate()
    rng = random.Random(2024_2026)
    visitors = _visitors()
    tz = timezone.get_default_timezone()
    for school in hosts:
        growth = 1.6 if school.code == "gz" else 1.0
        for month in _months(today):
            klass, created = TrainingClass.objects.get_or_create(
                owner_school=school,
                name=f"{month.year}年度开放课堂（历年记录）",
                defaults={
                    "kind": ClassKind.SEMINAR,
                    "term": f"{month.year}年",
                    "start_date": date(month.year, 1, 1),
                    "end_date": date(month.year, 12, 31),
                    "trainee_count": 40,
                    "status": ClassStatus.FINISHED,
                    "scope": SharingScope.SYSTEM,
                },
            )
            log.count(created)
            # More sessions in the later year: a visible year-over-year rise.
            year_factor = 1.0 if month.year < today.year else 1.4
            n = max(1, int(rng.randint(1, 3) * growth * year_factor))
            for k in range(n):
                # Every random draw happens whether or not the row exists, so a second run
                # draws the same values and finds every row again (idempotent).
                day = month + timedelta(days=rng.randint(2, 25))
                title = f"{rng.choice(TITLES)}（{month.month}月第{k + 1}讲）"
                guests = [v for v in visitors if v[1].pk != school.pk]
                rng.shuffle(guests)
                taken = guests[: rng.randint(2, 7)]
                base = rng.randint(15, 19)
                ratings = [
                    {
                        f: max(0, min(20, base + rng.randint(-2, 1)))
                        for f in ("relevance", "theory", "information", "delivery", "manner")
                    }
                    for _ in range(rng.randint(6, 14))
                ]
                if day >= today:
                    continue
                start = datetime.combine(day, time(9, 0), tzinfo=tz)
                session, created = Session.objects.get_or_create(
                    training_class=klass,
                    title=title,
                    date=day,
                    defaults={
                        "start_time": time(9, 0),
                        "end_time": time(11, 30),
                        "starts_at": start,
                        "ends_at": start + timedelta(hours=2, minutes=30),
                        "place": "报告厅",
                        "credit_hours": Decimal("2.5"),
                        "is_open": True,
                        "visiting_seats": 20,
                    },
                )
                log.count(created)
                if not created:
                    continue
                for user, home in taken:
                    sign_up = SignUp.objects.create(
                        session=session, user=user, home_school=home, status=SignUpStatus.CONFIRMED
                    )
                    CheckIn.objects.create(sign_up=sign_up, checked_in_at=start, hours=session.credit_hours)
                Session.objects.filter(pk=session.pk).update(seats_taken=len(taken))
                for r, scores in enumerate(ratings):
                    Evaluation.objects.create(
                        session=session, rater_fingerprint=f"history-{session.pk}-{r}", **scores
                    )
    _reports(hosts, today, rng, log)


def _reports(hosts, today: date, rng, log) -> None:
    for school in hosts:
        for month in _months(today)[::3]:
            title = f"{rng.choice(REPORTS)}（{month.year}年{month.month}月）"
            endorsed = rng.random() < 0.45
            level = rng.choice([LeaderLevel.MUNICIPAL, LeaderLevel.MUNICIPAL, LeaderLevel.PROVINCIAL])
            output, created = ResearchOutput.objects.get_or_create(
                owner_school=school,
                title=title,
                defaults={
                    "kind": OutputKind.ADVISORY,
                    "published_on": month + timedelta(days=10),
                    "author_text": "课题组",
                    "venue": "市委政策研究室",
                    "scope": SharingScope.SYSTEM,
                },
            )
            log.count(created)
            if created and endorsed:
                when = min(today - timedelta(days=1), month + timedelta(days=40))
                Endorsement.objects.create(
                    output=output,
                    leader_level=level,
                    endorsed_on=when,
                    summary="请相关部门研究吸收。",
                    verified_at=timezone.now(),
                )
                log.count(True)

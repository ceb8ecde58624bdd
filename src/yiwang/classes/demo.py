"""Demo data of 同听一堂课: 广州市委党校's autumn-2026 主体班 and 中青班 (44 sessions, 12 open
to visitors), a system-wide 师资培训 workshop, and sign-ups, check-ins and ratings by the
district schools' teachers (gz-panyu-t1 …).

Idempotent (every row is found by its natural key first) and deterministic (seeded
random). Dates are relative to the day the demo first ran (its "today", ``demo_now``), so
there are always past sessions with check-ins and ratings and upcoming open classes to sign
up for; a later run finds that day again from the classes it made. Rows are written directly — the services refuse back-dated
check-ins and ratings — keeping the same invariants (seats_taken = confirmed count).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, School, SupportPartnership
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm
from yiwang.topics.models import Topic

from . import services, tokens
from .enums import INDICATORS, ClassKind, ClassStatus, EnrolmentMode, EnrolmentStatus, SignUpStatus
from .models import CheckIn, Enrolment, Evaluation, Session, SignUp, TrainingClass

# The demo's "today" (noon of the day it first ran): sessions before it have check-ins and
# ratings, later ones have open sign-ups. Each plan's dates are days from it.
MORNING, AFTERNOON = (time(9, 0), time(11, 30)), (time(14, 30), time(17, 0))
DISTRICTS = [
    "yuexiu",
    "haizhu",
    "liwan",
    "tianhe",
    "baiyun",
    "huangpu",
    "panyu",
    "huadu",
    "nansha",
    "conghua",
    "zengcheng",
]
FIELD_SITES = [
    "广州起义烈士陵园",
    "农民运动讲习所旧址",
    "黄埔军校旧址",
    "南沙自贸区规划展览馆",
    "琶洲人工智能与数字经济试验区",
]
FALLBACK_TOPICS = [
    "习近平新时代中国特色社会主义思想的世界观和方法论",
    "以党的政治建设统领党的建设",
    "粤港澳大湾区建设的广州实践",
    "超大城市基层治理现代化",
    "广州红色文化资源的保护与利用",
    "数字政府建设与营商环境优化",
    "千年商都的开放型经济",
    "领导干部的调查研究能力",
]


@dataclass(frozen=True)
class ClassPlan:
    name: str
    kind: str
    start: int  # days from the demo's today
    end: int
    trainees: int
    scope: str
    weekdays: tuple[int, ...]  # sessions on these weekdays (Monday = 0), two a day
    days: int
    room: str
    open_slots: tuple[int, ...]  # which sessions (by index) are open to visitors
    programme_seats: int = 0  # > 0: joined as a whole (整期报名), not session by session


PLANS = [
    ClassPlan(
        "2026年秋季学期主体班（第58期）",
        ClassKind.MAIN,
        -27,
        18,
        60,
        SharingScope.PARTNERS,
        (0, 3),
        12,
        "主楼第一报告厅",
        (1, 4, 7, 10, 13, 16, 21),
    ),
    ClassPlan(
        "2026年秋季学期中青年干部培训班（第32期）",
        ClassKind.YOUNG,
        -19,
        19,
        45,
        SharingScope.SYSTEM,
        (1, 4),
        10,
        "教学楼302教室",
        (2, 6, 11, 15, 18),
    ),
    ClassPlan(
        "2026年全市党校系统师资培训专题工作坊",
        ClassKind.FACULTY,
        -4,
        12,
        30,
        SharingScope.NETWORK,
        (2,),
        3,
        "图书馆学术报告厅",
        (0, 1, 2, 3, 4, 5),
    ),
    # 整期报名: two Saturday workshops for the district schools' teachers — one finished and
    # completed (结业 decided from attendance), one coming with enrolment open.
    ClassPlan(
        "落实基本培训，提升教学水平专题工作坊（第一期）",
        ClassKind.WORKSHOP,
        -45,
        -30,
        0,
        SharingScope.SYSTEM,
        (5,),
        2,
        "教学楼201研讨室",
        (),
        programme_seats=20,
    ),
    ClassPlan(
        "落实基本培训，提升教学水平专题工作坊（第二期）",
        ClassKind.WORKSHOP,
        8,
        22,
        0,
        SharingScope.SYSTEM,
        (5,),
        2,
        "教学楼201研讨室",
        (),
        programme_seats=30,
    ),
]


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    gz = School.objects.filter(code="gz").first()
    if gz is None:
        return
    rng = random.Random(20261125)
    now = demo_now(gz)
    teachers, topics = _gz_teachers(gz, log), _gz_topics(gz, log)
    visitors = _branch_teachers()
    booked: dict[int, list[tuple[datetime, datetime]]] = {}
    for plan in PLANS:
        klass = _training_class(gz, plan, teachers, now, log)
        sessions = _sessions(klass, plan, teachers, topics, rng, log)
        if plan.programme_seats:  # before the ratings: the enrolled who checked in rate signed in
            _enrolments(klass, sessions, visitors, now, log)
        for session in sessions:
            if session.is_open:
                _sign_ups(session, visitors, booked, rng, now, log)
            if session.ends_at < now:
                _ratings(session, rng, log)


def demo_now(gz: School, today: date | None = None) -> datetime:
    """Noon of the day the demo first ran: found again from the first plan's class, else today."""
    first = PLANS[0]
    start = (
        TrainingClass.objects.filter(owner_school=gz, name=first.name)
        .values_list("start_date", flat=True)
        .first()
    )
    day = start - timedelta(days=first.start) if start else (today or timezone.localdate())
    return datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())


def plan_dates(plan: "ClassPlan", now: datetime) -> tuple[date, date]:
    return now.date() + timedelta(days=plan.start), now.date() + timedelta(days=plan.end)


def _gz_teachers(gz: School, log) -> list[Teacher]:
    """The faculty demo's 广州 teachers; created from the gz-t1..t5 accounts if it has not run."""
    teachers = list(
        Teacher.objects.filter(owner_school=gz, is_active=True, is_invited=False).order_by(
            "name_pinyin", "id"
        )
    )
    if teachers:
        return teachers
    for user in User.objects.filter(username__in=[f"gz-t{i}" for i in range(1, 6)]).order_by("username"):
        teacher, created = Teacher.objects.get_or_create(
            user=user, defaults={"owner_school": gz, "name": user.full_name, "scope": SharingScope.NETWORK}
        )
        log.count(created)
        teachers.append(teacher)
    return teachers


def _gz_topics(gz: School, log) -> list[Topic]:
    topics = list(
        Topic.objects.filter(owner_school=gz, status=PublicationStatus.PUBLISHED).order_by("id")[:40]
    )
    if topics:
        return topics
    for title in FALLBACK_TOPICS:
        topic, created = Topic.objects.get_or_create(
            owner_school=gz,
            title=title,
            defaults={
                "category": DisciplineCategory.PARTY,
                "form": TeachingForm.LECTURE,
                "status": PublicationStatus.PUBLISHED,
                "scope": SharingScope.NETWORK,
            },
        )
        log.count(created)
        topics.append(topic)
    return topics


def _branch_teachers() -> list[tuple[User, School]]:
    """The district schools' teachers (gz-panyu-t1 first) with their home school."""
    names = [f"gz-{d}-t{i}" for i in range(1, 6) for d in DISTRICTS]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    homes = {s.code: s for s in School.objects.filter(code__in=[f"gz-{d}" for d in DISTRICTS])}
    ordered = ["gz-panyu-t1"] + [n for n in names if n != "gz-panyu-t1"]
    return [(users[n], homes[n.rsplit("-t", 1)[0]]) for n in ordered if n in users]


def _training_class(
    gz: School, plan: ClassPlan, teachers: list[Teacher], now: datetime, log
) -> TrainingClass:
    start, end = plan_dates(plan, now)
    klass, created = TrainingClass.objects.get_or_create(
        owner_school=gz,
        name=plan.name,
        defaults={
            "kind": plan.kind,
            "term": "2026年秋季学期",
            "start_date": start,
            "end_date": end,
            "trainee_count": plan.trainees,
            "scope": plan.scope,
            "status": ClassStatus.PUBLISHED,
            "published_at": datetime.combine(start - timedelta(days=14), time(9), tzinfo=now.tzinfo),
            "head_teacher": teachers[0] if teachers else None,
            "enrolment": EnrolmentMode.PROGRAMME if plan.programme_seats else EnrolmentMode.SESSION,
            "programme_seats": plan.programme_seats,
        },
    )
    log.count(created)
    if created and plan.scope == SharingScope.PARTNERS:
        klass.shared_alliances.set(Alliance.objects.filter(memberships__school=gz))
        klass.shared_partnerships.set(SupportPartnership.objects.filter(supporter=gz))
    return klass


def _session_days(klass: TrainingClass, plan: ClassPlan) -> list[date]:
    days, day = [], klass.start_date
    while len(days) < plan.days and day <= klass.end_date:
        if day.weekday() in plan.weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def _sessions(klass, plan, teachers, topics, rng, log) -> list[Session]:
    sessions = []
    tz = timezone.get_default_timezone()
    for index, (day, (start, end)) in enumerate(
        (d, slot) for d in _session_days(klass, plan) for slot in (MORNING, AFTERNOON)
    ):
        topic = topics[(index + len(plan.name)) % len(topics)]
        teacher = _teacher_for(topic, teachers, index, plan)
        field = index % 5 == 3
        is_open = index in plan.open_slots
        session, created = Session.objects.get_or_create(
            training_class=klass,
            date=day,
            start_time=start,
            defaults={
                "end_time": end,
                "starts_at": datetime.combine(day, start, tzinfo=tz),
                "ends_at": datetime.combine(day, end, tzinfo=tz),
                "topic": topic,
                "title": topic.title,
                "teacher": teacher,
                "module": topic.module,
                "credit_hours": Decimal("2.5"),
                "form": TeachingForm.FIELD if field else topic.form,
                "place": FIELD_SITES[index % len(FIELD_SITES)] if field else plan.room,
                "is_open": is_open,
                "visiting_seats": rng.choice([8, 10, 15, 20]) if is_open else 0,
                "requires_approval": is_open and index % 4 == 2,
                "quota_per_school": 3 if is_open and index % 5 == 1 else None,
            },
        )
        log.count(created)
        sessions.append(session)
    return sessions


def _teacher_for(topic: Topic, teachers: list[Teacher], index: int, plan: ClassPlan) -> Teacher | None:
    """The topic's own 广州 teacher if it has one, else a rotation. The three classes meet on different
    weekdays (Mon/Thu, Tue/Fri, Wed), so no teacher or room is booked twice at once."""
    own = [t for t in topic.teachers.all() if t.owner_school_id == topic.owner_school_id]
    if own:
        return own[0]
    return teachers[(index + len(plan.name)) % len(teachers)] if teachers else None


def _overlaps(booked: list[tuple[datetime, datetime]], session: Session) -> bool:
    return any(start < session.ends_at and session.starts_at < end for start, end in booked)


def _sign_ups(
    session: Session, visitors: list[tuple[User, School]], booked: dict, rng: random.Random, now, log
) -> None:
    """Branch teachers sign up: seats fill in order, the rest wait; past sessions have check-ins."""
    wanted = min(len(visitors), session.visiting_seats + rng.choice([-3, -1, 2, 4]))
    picked = [visitors[0]] + rng.sample(visitors[1:], k=max(wanted - 1, 0)) if visitors else []
    confirmed = position = 0
    for offset, (user, home) in enumerate(picked):
        entry = SignUp.objects.filter(session=session, user=user).first()
        created = entry is None
        if created:
            if _overlaps(booked.get(user.pk, []), session) or _quota_full(session, home):
                continue
            status, wait = _demo_status(session, confirmed, position, offset, now)
            entry = SignUp.objects.create(
                session=session, user=user, home_school=home, status=status, waitlist_position=wait
            )
            SignUp.objects.filter(pk=entry.pk).update(
                created_at=session.starts_at - timedelta(days=5, minutes=-7 * offset)
            )
        log.count(created)
        confirmed += entry.status == SignUpStatus.CONFIRMED
        position = entry.waitlist_position or position
        booked.setdefault(user.pk, []).append((session.starts_at, session.ends_at))
        if entry.status == SignUpStatus.CONFIRMED and session.ends_at < now and offset % 6 != 5:
            _, checked_in = CheckIn.objects.get_or_create(
                sign_up=entry,
                defaults={
                    "checked_in_at": session.starts_at - timedelta(minutes=10 - offset % 9),
                    "hours": session.credit_hours,
                },
            )
            log.count(checked_in)
    Session.objects.filter(pk=session.pk).update(
        seats_taken=SignUp.objects.filter(session=session, status=SignUpStatus.CONFIRMED).count(),
        waitlist_last=position,
    )


def _enrolments(klass, sessions, visitors, now: datetime, log) -> None:
    """District teachers enrol in the whole programme (gz-panyu-t1 first); past sessions have
    check-ins (most attend); a programme whose sessions are all over is completed by the school's
    staff through the service, so 结业 is decided from attendance exactly as on the page."""
    if klass.enrolments.exists():  # a later run keeps the first run's roster
        return
    rng = random.Random(klass.name)  # the roster does not depend on what the other plans drew
    wanted = min(len(visitors), klass.programme_seats * 2 // 3)
    picked = visitors[:1] + rng.sample(visitors[1:], k=max(wanted - 1, 0)) if visitors else []
    for offset, (user, home) in enumerate(picked):
        enrolment, created = Enrolment.objects.get_or_create(
            training_class=klass, user=user, status=EnrolmentStatus.ENROLLED, defaults={"home_school": home}
        )
        log.count(created)
        if created:
            SignUp.objects.bulk_create(
                SignUp(
                    session=s, user=user, home_school=home, status=SignUpStatus.CONFIRMED, enrolment=enrolment
                )
                for s in sessions
            )
        for index, entry in enumerate(
            enrolment.sign_ups.select_related("session").order_by("session__starts_at")
        ):
            missed = (offset + index) % 5 == 4 or (offset % 7 == 6 and index > 0)
            if entry.session.ends_at < now and not missed:
                _, checked_in = CheckIn.objects.get_or_create(
                    sign_up=entry,
                    defaults={
                        "checked_in_at": entry.session.starts_at - timedelta(minutes=5 + offset % 9),
                        "hours": entry.session.credit_hours,
                    },
                )
                log.count(checked_in)
    TrainingClass.objects.filter(pk=klass.pk).update(
        programme_taken=klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    )
    klass.refresh_from_db()
    staff = User.objects.filter(username=f"{klass.owner_school.code}-staff").first()
    if (
        staff is not None
        and klass.completed_at is None
        and sessions
        and max(s.ends_at for s in sessions) < now
    ):
        services.complete_programme(by=staff, class_id=klass.pk, now=now)
        log.count(True)


def _quota_full(session: Session, home: School) -> bool:
    if not session.quota_per_school:
        return False
    return SignUp.objects.filter(session=session, home_school=home).count() >= session.quota_per_school


def _demo_status(
    session: Session, confirmed: int, position: int, offset: int, now: datetime
) -> tuple[str, int | None]:
    if session.requires_approval and session.starts_at > now and offset % 3 == 2:
        return SignUpStatus.PENDING, None
    if confirmed < session.visiting_seats:
        return SignUpStatus.CONFIRMED, None
    return SignUpStatus.WAITLISTED, position + 1


def _ratings(session: Session, rng: random.Random, log) -> None:
    """Trainees rate anonymously (a device each); visitors who checked in rate signed in."""
    raters = [("device", f"demo-{session.pk}-{n}") for n in range(rng.randint(8, 16))]
    raters += [
        ("user", entry.user)
        for entry in session.sign_ups.filter(check_in__isnull=False).select_related("user")
    ]
    base = rng.randint(14, 18)
    for kind, who in raters:
        if kind == "user":
            fingerprint = tokens.rater_fingerprint(session.pk, user=who)
        else:
            fingerprint = tokens.rater_fingerprint(session.pk, device_id=who)
        scores = {name: max(0, min(20, base + rng.randint(-2, 2))) for name, _ in INDICATORS}
        comment = rng.choice(
            ["", "", "理论联系实际，很受启发。", "案例鲜活，建议增加互动时间。", "信息量大，节奏略快。"]
        )
        _, created = Evaluation.objects.get_or_create(
            session=session,
            rater_fingerprint=fingerprint,
            defaults={**scores, "comment": comment, "rater_user": who if kind == "user" else None},
        )
        log.count(created)

"""Boards and the annual report at the search benchmark's scale (issue 16).

    DATABASE_URL=sqlite:////work/main/data/bench/bench_dash.sqlite3 nice -n 5 .venv/bin/python bench/dashboards/bench_boards.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash nice -n 5 .venv/bin/python bench/dashboards/bench_boards.py
    (--generate-only builds the data and stops; --no-report measures the boards only)

Builds (once; reused when present) 1 M topics, 100 k teachers, 100 k sessions with 200 k visiting
check-ins and 300 k ratings, 50 k research outputs with endorsements, bulk-inserted into the tables
on top of the demo network, and the joint work in proportion (``--joint-work``: 100 k 共研
applications, 100 k 合备 projects, 100 k field sites and bookings with 10 k alliance meetings and
resolutions, 100 k exchange requests, each by its own benchmark's loader); then measures, in
process with Django's test client (no HTTP server, so the figure is the platform's own cost), the network board and a school board (p50/p95 over 20
requests after one warm-up, CPU per request, SQL statements), and one annual report for the
municipal school (wall time and peak memory). Boards are measured cold (the
boards' cache emptied before each request: every number counted) and warm (numbers reused while no
counted table changed, ``dashboards.freshness``). Prints one JSON line and writes
docs/performance/boards-<database>.json.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT}/data/bench/boards.sqlite3")
(ROOT / "data" / "bench").mkdir(parents=True, exist_ok=True)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.classes.enums import ClassKind, ClassStatus, SignUpStatus  # noqa: E402
from yiwang.classes.models import CheckIn, Evaluation, Session, SignUp, TrainingClass  # noqa: E402
from yiwang.core.db import refresh_planner_statistics  # noqa: E402
from yiwang.dashboards import services, tallies  # noqa: E402
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.network.demo import DemoLog  # noqa: E402
from yiwang.network.demo import load as load_network  # noqa: E402
from yiwang.network.enums import SharingScope  # noqa: E402
from yiwang.network.models import Membership, School  # noqa: E402
from yiwang.research.enums import LeaderLevel, OutputKind  # noqa: E402
from yiwang.research.models import Endorsement, ResearchOutput  # noqa: E402
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm  # noqa: E402
from yiwang.topics.models import Topic  # noqa: E402

BATCH = 5000
SCOPES = (
    [SharingScope.NETWORK] * 10
    + [SharingScope.SYSTEM] * 6
    + [SharingScope.SCHOOL] * 3
    + [SharingScope.PUBLIC]
)


def _bulk(model, rows):
    out = []
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            out += model.objects.bulk_create(rows[start : start + BATCH])
    return out


def _session(klass, day: date, title: str, *, is_open: bool) -> Session:
    start = datetime.combine(day, dtime(9), tzinfo=timezone.get_default_timezone())
    return Session(
        training_class=klass,
        date=day,
        start_time=dtime(9),
        end_time=dtime(11),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        title=title,
        is_open=is_open,
        visiting_seats=10,
        credit_hours=Decimal("2.0"),
    )


def _endorse(outputs, now) -> None:
    """One verified municipal 批示 for each output, 20 days after it."""
    _bulk(
        Endorsement,
        [
            Endorsement(
                output=o,
                leader_level=LeaderLevel.MUNICIPAL,
                endorsed_on=o.published_on + timedelta(days=20),
                verified_at=now,
            )
            for o in outputs
        ],
    )


def leader_client() -> Client:
    """A test client signed in as the 广州 school's admin (the boards' measured viewer)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    gz = School.objects.get(code="gz")
    leader = User.objects.filter(memberships__school=gz, memberships__is_school_admin=True).first()
    client = Client()
    client.force_login(leader)
    return client


def generate(topics: int, teachers: int, sessions: int) -> None:
    if Topic.objects.count() >= topics:
        return
    load_network(scale=0, log=DemoLog(lambda _t: None))
    rng = random.Random(16)
    schools = list(School.objects.order_by("pk"))
    today = timezone.localdate()
    teacher_rows = [
        Teacher(owner_school=rng.choice(schools), name=f"教师{i:06d}", scope=rng.choice(SCOPES))
        for i in range(teachers)
    ]
    _bulk(Teacher, teacher_rows)
    for start in range(0, topics, 50_000):
        _bulk(
            Topic,
            [
                Topic(
                    owner_school=rng.choice(schools),
                    title=f"专题讲座{i:07d}",
                    category=DisciplineCategory.values[i % len(DisciplineCategory.values)],
                    form=TeachingForm.LECTURE,
                    status=PublicationStatus.PUBLISHED,
                    scope=rng.choice(SCOPES),
                )
                for i in range(start, min(topics, start + 50_000))
            ],
        )
    classes = _bulk(
        TrainingClass,
        [
            TrainingClass(
                owner_school=s,
                name=f"{s.short_name}{y}年度班次",
                kind=ClassKind.MAIN,
                start_date=date(y, 1, 1),
                end_date=date(y, 12, 31),
                status=ClassStatus.PUBLISHED,
                scope=rng.choice([SharingScope.NETWORK, SharingScope.SYSTEM]),
            )
            for s in schools
            for y in (today.year - 1, today.year)
        ],
    )
    session_rows = []
    for i in range(sessions):
        klass = rng.choice(classes)
        day = date(klass.start_date.year, 1, 1) + timedelta(days=rng.randint(0, 364))
        session_rows.append(_session(klass, day, f"课程{i:06d}", is_open=rng.random() < 0.5))
    created = _bulk(Session, session_rows)
    users = list(User.objects.filter(memberships__isnull=False).distinct()[:400])
    homes = dict(Membership.objects.filter(user__in=users).values_list("user_id", "school_id"))
    open_ids = [s.pk for s in created if s.is_open]
    sign_ups = []
    used = set()
    while len(sign_ups) < min(200_000, len(open_ids) * 4):
        sid, user = rng.choice(open_ids), rng.choice(users)
        if (sid, user.pk) in used:
            continue
        used.add((sid, user.pk))
        sign_ups.append(
            SignUp(session_id=sid, user=user, home_school_id=homes[user.pk], status=SignUpStatus.CONFIRMED)
        )
    sign_ups = _bulk(SignUp, sign_ups)
    now = timezone.now()
    _bulk(CheckIn, [CheckIn(sign_up=s, checked_in_at=now, hours=Decimal("2.0")) for s in sign_ups])
    _bulk(
        Evaluation,
        [
            Evaluation(
                session_id=rng.choice(open_ids),
                rater_fingerprint=f"b{i}",
                relevance=16,
                theory=17,
                information=15,
                delivery=18,
                manner=17,
            )
            for i in range(300_000)
        ],
    )
    outputs = _bulk(
        ResearchOutput,
        [
            ResearchOutput(
                owner_school=rng.choice(schools),
                kind=OutputKind.ADVISORY if i % 2 else OutputKind.PAPER,
                title=f"成果{i:06d}",
                published_on=today - timedelta(days=rng.randint(1, 700)),
                scope=rng.choice(SCOPES),
            )
            for i in range(50_000)
        ],
    )
    _endorse(outputs[::4], now)
    refresh_planner_statistics()


def add_unfinished(rng_seed: int = 61) -> bool:
    """What a running network also holds beside the bulk of published records (once; True when
    added): draft and retired topics, draft classes with sessions, ratings and check-ins, retired
    outputs with 批示, and 协作 (partners-scope) topics, classes and outputs shared with the 广州
    school's alliances — the rows the boards count live beside the tallies."""
    if Topic.objects.filter(title="草稿讲题0000").exists():
        return False
    from yiwang.network.models import Alliance  # noqa: PLC0415

    rng = random.Random(rng_seed)
    schools = list(School.objects.order_by("pk"))
    gz = School.objects.get(code="gz")
    alliances = list(Alliance.objects.filter(memberships__school=gz))
    year = timezone.localdate().year
    topics = _bulk(
        Topic,
        [
            Topic(
                owner_school=rng.choice(schools),
                title=f"{'草稿' if i < 200 else '停用' if i < 300 else '协作'}讲题{i:04d}",
                category=DisciplineCategory.values[i % len(DisciplineCategory.values)],
                form=TeachingForm.LECTURE,
                status=PublicationStatus.DRAFT
                if i < 200
                else PublicationStatus.RETIRED
                if i < 300
                else PublicationStatus.PUBLISHED,
                scope=SharingScope.PARTNERS if i >= 300 else rng.choice(SCOPES),
            )
            for i in range(500)
        ],
    )
    classes = _bulk(
        TrainingClass,
        [
            TrainingClass(
                owner_school=gz if i % 3 == 0 else rng.choice(schools),
                name=f"{'草稿' if i < 10 else '协作'}班次{i:02d}",
                kind=ClassKind.MAIN,
                start_date=date(year, 1, 1),
                end_date=date(year, 12, 31),
                status=ClassStatus.DRAFT if i < 10 else ClassStatus.PUBLISHED,
                scope=SharingScope.NETWORK if i < 10 else SharingScope.PARTNERS,
            )
            for i in range(13)
        ],
    )
    sessions = [
        _session(klass, date(year, 1 + j, 10), f"{klass.name}第{j + 1}讲", is_open=True)
        for klass in classes
        for j in range(10)
    ]
    sessions = _bulk(Session, sessions)
    _bulk(
        Evaluation,
        [
            Evaluation(
                session=s, rater_fingerprint=f"d{s.pk}-{k}", relevance=16, theory=17, information=15,
                delivery=18, manner=17,
            )
            for s in sessions
            for k in range(3)
        ],
    )  # fmt: skip
    users = list(User.objects.filter(memberships__isnull=False).distinct()[:30])
    homes = dict(Membership.objects.filter(user__in=users).values_list("user_id", "school_id"))
    sign_ups = _bulk(
        SignUp,
        [
            SignUp(session=s, user=u, home_school_id=homes[u.pk], status=SignUpStatus.CONFIRMED)
            for s in sessions
            for u in rng.sample(users, 3)
        ],
    )
    now = timezone.now()
    _bulk(CheckIn, [CheckIn(sign_up=s, checked_in_at=now, hours=Decimal("2.0")) for s in sign_ups])
    outputs = _bulk(
        ResearchOutput,
        [
            ResearchOutput(
                owner_school=gz if i % 4 == 0 else rng.choice(schools),
                kind=OutputKind.ADVISORY,
                title=f"{'停用' if i < 100 else '协作'}成果{i:03d}",
                published_on=date(year, 1 + i % 11, 5),
                scope=rng.choice(SCOPES) if i < 100 else SharingScope.PARTNERS,
                is_active=i >= 100,
            )
            for i in range(150)
        ],
    )
    _endorse(outputs[::3], now)
    for alliance in alliances:
        alliance_shared = Topic.shared_alliances.through
        _bulk(alliance_shared, [alliance_shared(topic=t, alliance=alliance) for t in topics[300:]])
        class_shared = TrainingClass.shared_alliances.through
        _bulk(class_shared, [class_shared(trainingclass=k, alliance=alliance) for k in classes[10:]])
        output_shared = ResearchOutput.shared_alliances.through
        _bulk(output_shared, [output_shared(researchoutput=o, alliance=alliance) for o in outputs[100:]])
    return True


def _count(label: str) -> int:
    from django.apps import apps  # noqa: PLC0415

    return apps.get_model(label).objects.count()


def _bench_module(relative: str):
    """Another benchmark's script as a module (its loader), by path: ``calls/bench.py``."""
    import importlib.util  # noqa: PLC0415

    path = ROOT / "bench" / relative
    spec = importlib.util.spec_from_file_location(f"bench_{relative.replace('/', '_')[:-3]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_joint_work(rows: int) -> bool:
    """The joint work at the sessions' scale (once; True when added): the other apps' demo records,
    then each joint-work benchmark's own bulk loader with ``rows`` — 共研一个题 applications with
    teams, budgets, projects, milestones and 批示 (``bench/calls``), 合备一门课 projects with their
    courses and 60 more schools (``bench/codev``), field sites with their bookings and the 川滇黔
    alliance's meetings, resolutions and news (``bench/sites``), teacher-dispatch and general
    requests with their dispatches (``bench/exchanges``)."""
    from importlib import import_module  # noqa: PLC0415

    from yiwang.calls.models import Application  # noqa: PLC0415
    from yiwang.exchanges.models import Request  # noqa: PLC0415
    from yiwang.portal.management.commands.demo import DEMO_MODULES  # noqa: PLC0415

    if Application.objects.count() >= rows:
        return False
    log = DemoLog(lambda _t: None)
    for name in DEMO_MODULES:
        if name.split(".")[1] not in {"network", "dashboards", "search"}:
            import_module(name).load(scale=0, log=log)
    t0 = time.perf_counter()
    _bench_module("calls/bench.py").load(rows)
    print(f"  calls {time.perf_counter() - t0:.0f} s", flush=True)
    _bench_module("codev/bench.py").load(rows)
    print(f"  codev {time.perf_counter() - t0:.0f} s", flush=True)
    _bench_module("sites/bench.py").seed(rows)  # first: it reads its requests back by their key
    print(f"  sites {time.perf_counter() - t0:.0f} s", flush=True)
    _bench_module("exchanges/bench.py").fill(Request.objects.count() + rows)
    print(f"  exchanges {time.perf_counter() - t0:.0f} s", flush=True)
    return True


def measure(client: Client, url: str, n: int = 20, *, cold: bool = False) -> dict:
    """p50/p95 over ``n`` requests; ``cold``: the boards' cache emptied before each one (every number
    counted afresh), else after one warm-up (numbers reused while the stamp is unchanged)."""
    client.get(url)  # warm-up
    walls, cpus, queries = [], [], []
    for _ in range(n):
        if cold:
            cache.clear()
        reset_queries()
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        cpus.append((time.process_time() - c0) * 1000)
        walls.append((time.perf_counter() - w0) * 1000)
        queries.append(len(connection.queries))
        assert response.status_code == 200, (url, response.status_code)
    walls.sort()
    return {
        "url": url,
        "p50_ms": round(statistics.median(walls), 1),
        "p95_ms": round(walls[int(0.95 * (n - 1))], 1),
        "cpu_ms": round(statistics.mean(cpus), 1),
        "queries": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=1_000_000)
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--report-only", action="store_true", help="(internal) one report, own peak memory")
    parser.add_argument("--generate-only", action="store_true", help="build the data and stop")
    parser.add_argument("--cold-requests", type=int, default=5, help="requests measured with an empty cache")
    parser.add_argument("--no-report", action="store_true", help="boards only")
    parser.add_argument(
        "--joint-work",
        type=int,
        default=100_000,
        help="rows of each joint-work family (applications, 合备 projects, sites and bookings, requests); 0: none",
    )
    args = parser.parse_args()
    if args.report_only:
        gz = School.objects.get(code="gz")
        leader = User.objects.filter(memberships__school=gz, memberships__is_school_admin=True).first()
        job = services.request_report(by=leader, kind="school", ident="gz", year=timezone.localdate().year)
        t1 = time.perf_counter()
        services.run_report(job.pk)
        job.refresh_from_db()
        peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(
            json.dumps(
                {
                    "report_s": round(time.perf_counter() - t1, 1),
                    "cpu_s": round(time.process_time(), 1),
                    "status": job.status,
                    "error": job.error,
                    "peak_rss_mb": peak,
                    "pdf_kb": job.pdf.size // 1024 if job.pdf else 0,
                    "xlsx_kb": job.xlsx.size // 1024 if job.xlsx else 0,
                }
            )
        )
        return
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    generate(args.topics, args.teachers, args.sessions)
    added = add_unfinished()
    if args.joint_work and add_joint_work(args.joint_work):
        added = True
    if added:
        refresh_planner_statistics()
    generated_s = round(time.perf_counter() - t0, 1)
    tallies.compact()  # fold the bulk inserts' delta rows (the periodic task's job in production)
    if args.generate_only:
        print(json.dumps({"generated_s": generated_s, "topics": Topic.objects.count()}))
        return
    settings.DEBUG = True  # count statements
    client = leader_client()
    year = timezone.localdate().year
    network_url = f"/dashboards/boards/network/all/?period={year}"
    school_url = f"/dashboards/boards/school/gz/?period={year}"
    network_cold = measure(client, network_url, args.cold_requests, cold=True)
    school_cold = measure(client, school_url, args.cold_requests, cold=True)
    network = measure(client, network_url)
    school = measure(client, school_url)
    settings.DEBUG = False
    import subprocess  # noqa: PLC0415

    report = None
    if not args.no_report:
        done = subprocess.run(
            [sys.executable, __file__, "--report-only"],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
    result = {
        "database": connection.vendor,
        "topics": Topic.objects.count(),
        "sessions": Session.objects.count(),
        "check_ins": CheckIn.objects.count(),
        "applications": _count("calls.Application"),
        "codev_projects": _count("codev.Project"),
        "requests": _count("exchanges.Request"),
        "bookings": _count("sites.Booking"),
        "generated_s": generated_s,
        "network_board_cold": network_cold,
        "school_board_cold": school_cold,
        "network_board_warm": network,
        "school_board_warm": school,
        "report": report,
        "load": os.getloadavg()[0],
    }
    print(json.dumps(result, ensure_ascii=False))
    out = ROOT / "docs" / "performance" / f"boards-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

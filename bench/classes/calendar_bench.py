"""Calendar page latency with 100 k sessions in the network.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_calendar \
        .venv/bin/python bench/classes/calendar_bench.py [--sessions 100000] [--requests 200]

Loads the demo network into the (empty) database named by DATABASE_URL, adds classes of
every school with ``--sessions`` sessions spread over two school years (bulk inserts,
seeded random), then requests the calendar page in-process (Django test client, no
network) as a 番禺 teacher and as the system admin, in week, month and list views on
random weeks with random filters, and prints p50/p95/p99. Not run by the tests.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.classes.models import Session, TrainingClass  # noqa: E402
from yiwang.network.models import School  # noqa: E402

FIRST_DAY = date(2025, 9, 1)
DAYS = 2 * 365
SCOPES = ["system", "system", "network", "network", "school", "public"]
FORMS = ["lecture", "field", "case", "seminar", "simulation", "interview", "experience"]
SLOTS = [
    (clock(8, 30), clock(10, 0)),
    (clock(10, 15), clock(11, 45)),
    (clock(14, 30), clock(16, 0)),
    (clock(16, 15), clock(17, 45)),
]
TITLES = [
    "百千万工程",
    "基层治理",
    "党史学习教育",
    "数字经济",
    "粤港澳大湾区",
    "新质生产力",
    "全面从严治党",
    "城市更新",
]


def seed(total: int) -> None:
    call_command("migrate", verbosity=0)
    if Session.objects.count() >= total:
        return
    with open(os.devnull, "w") as quiet:
        call_command("demo", "--quiet", "--scale", "20", stdout=quiet)
    add_sessions(total)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def add_sessions(count: int, per_class: int = 50) -> int:
    """Add ``count // per_class`` published classes of ``per_class`` sessions each, spread over
    every school and two school years (bulk inserts, seeded by how many exist, so a second call
    adds new classes rather than repeating the first). Returns the sessions added."""
    first = TrainingClass.objects.filter(name__startswith="压测班次").count()
    rng = random.Random(20261126 + first)
    schools = list(School.objects.order_by("code"))
    classes = []
    for n in range(first, first + count // per_class):
        school = schools[n % len(schools)]
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 70))
        classes.append(
            TrainingClass(
                owner_school=school,
                name=f"压测班次{n:05d}",
                kind="main",
                start_date=start,
                end_date=start + timedelta(days=69),
                trainee_count=50,
                status="published",
                scope=rng.choice(SCOPES),
            )
        )
    created = TrainingClass.objects.bulk_create(classes, batch_size=2000)
    tz = django.utils.timezone.get_default_timezone()
    batch, added = [], 0
    for klass in created:
        for k in range(per_class):
            day = klass.start_date + timedelta(days=(k * 7) // 5)
            start, end = SLOTS[k % 4]
            is_open = rng.random() < 0.25
            batch.append(
                Session(
                    training_class=klass,
                    date=day,
                    start_time=start,
                    end_time=end,
                    starts_at=datetime.combine(day, start, tzinfo=tz),
                    ends_at=datetime.combine(day, end, tzinfo=tz),
                    title=f"{rng.choice(TITLES)}专题{k}",
                    place=f"{rng.randint(1, 9)}0{rng.randint(1, 9)}教室",
                    form=rng.choice(FORMS),
                    is_open=is_open,
                    visiting_seats=20 if is_open else 0,
                    seats_taken=rng.randint(0, 20) if is_open else 0,
                )
            )
        if len(batch) >= 10000:
            Session.objects.bulk_create(batch)
            added, batch = added + len(batch), []
    Session.objects.bulk_create(batch)
    return added + len(batch)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def measure(username: str, requests: int) -> dict[str, list[float]]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    rng = random.Random(7)
    codes = [s.code for s in School.objects.filter(code__startswith="gz")]
    timings: dict[str, list[float]] = {"week": [], "month": [], "list": []}
    client.get("/classes/")
    for n in range(requests):
        view = ("week", "month", "list")[n % 3]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        query = f"view={view}&date={day.isoformat()}"
        if rng.random() < 0.3:
            query += "&open=1"
        if rng.random() < 0.3:
            query += f"&school={rng.choice(codes)}"
        if rng.random() < 0.2:
            query += f"&form={rng.choice(FORMS)}"
        started = time.perf_counter()
        response = client.get(f"/classes/?{query}")
        timings[view].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    seed(args.sessions)
    print(
        f"{connection.vendor}: {Session.objects.count()} sessions, {TrainingClass.objects.count()} classes, "
        f"{School.objects.count()} schools (seeded in {time.perf_counter() - started:.0f} s)"
    )
    for username in ("gz-panyu-t1", "sysadmin"):
        timings = measure(username, args.requests)
        every = [t for values in timings.values() for t in values]
        parts = " ".join(f"{v} p95={percentile(t, 95):.0f}ms" for v, t in timings.items())
        print(
            f"{username}: {len(every)} requests p50={percentile(every, 50):.0f} ms p95={percentile(every, 95):.0f} ms "
            f"p99={percentile(every, 99):.0f} ms | {parts}"
        )


if __name__ == "__main__":
    main()

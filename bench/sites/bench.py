"""Field-site and alliance pages at 100 k rows.

    DATABASE_URL=sqlite:////tmp/yiwang_bench_sites.sqlite3 .venv/bin/python bench/sites/bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_sites .venv/bin/python bench/sites/bench.py

Loads the demo of the apps these pages read (all but codev, calls, dashboards and search) into
the (empty) database named by DATABASE_URL, then adds ``--rows`` field sites
spread over every school (mixed sharing scopes), ``--rows`` bookings (each with its request, in
every state; slot-holding ones never overlap) and, in the 川滇黔 alliance space, ``--rows // 10``
meetings, resolutions and news posts. Then it requests, in-process (Django test client), the site
list (first page, filters, a deep page), the booking list and the alliance page, as a 川滇黔
school's staff and as Guangzhou's staff, and prints p50/p95, CPU per request and SQL queries per
page. Not run by the tests.
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
from django.utils import timezone  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.alliances.models import Meeting, NewsPost, Resolution, Space  # noqa: E402
from yiwang.exchanges.models import Request  # noqa: E402
from yiwang.network.models import Alliance, School  # noqa: E402
from yiwang.sites.models import Booking, FieldSite  # noqa: E402

SCOPES = ["system", "network", "network", "school", "public", "partners"]
THEMES = ["red", "rural", "ecology", "governance", "spirit", "economy", "heritage"]
STATES = ["pending", "declined", "withdrawn", "approved", "completed"]


# The demo of the apps these pages read (the network, the banks, classes, exchanges, sites and
# alliances); the other apps' demos (codev, calls, dashboards, search) add nothing to these pages.
SKIPPED_DEMOS = {"codev", "calls", "dashboards", "search"}


def load_demo() -> None:
    from importlib import import_module

    from yiwang.network.demo import DemoLog
    from yiwang.portal.management.commands.demo import DEMO_MODULES

    log = DemoLog(lambda text: None)
    for name in DEMO_MODULES:
        if name.split(".")[1] not in SKIPPED_DEMOS:
            import_module(name).load(scale=0, log=log)


def seed(rows: int) -> None:
    call_command("migrate", verbosity=0)  # a no-op when the schema is current
    if FieldSite.objects.count() >= rows:
        return
    if not School.objects.filter(code="gz").exists():
        load_demo()
    rng = random.Random(20261202)
    schools = list(School.objects.order_by("code"))
    sites = [
        FieldSite(
            owner_school=schools[n % len(schools)],
            name=f"压测基地{n:06d}",
            address=f"压测路{n}号",
            themes=",".join(rng.sample(THEMES, 2)),
            capacity=rng.randint(20, 200),
            opens_at=clock(8, 30),
            closes_at=clock(17, 30),
            scope=rng.choice(SCOPES[:-1]),
        )
        for n in range(rows)
    ]
    FieldSite.objects.bulk_create(sites, batch_size=5000)
    site_ids = list(
        FieldSite.objects.filter(name__startswith="压测基地").values_list("pk", "owner_school_id")
    )
    tz = timezone.get_default_timezone()
    by_school = {s.pk: s for s in schools}
    requests, bookings = [], []
    for n in range(rows):
        site_id, owner_id = site_ids[n % len(site_ids)]
        sender = schools[(n * 7 + 3) % len(schools)]
        if sender.pk == owner_id:
            sender = schools[(n * 7 + 4) % len(schools)]
        day = date(2026, 1, 1) + timedelta(days=(n // len(site_ids)) * 3 + rng.randrange(2))
        starts = datetime.combine(day, clock(9), tzinfo=tz)
        state = STATES[n % 5]
        requests.append(
            Request(
                kind="site_booking",
                from_school=sender,
                to_school=by_school[owner_id],
                subject_key=f"bench:{n}",
                title=f"压测预约{n}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                status={
                    "pending": "submitted",
                    "declined": "declined",
                    "withdrawn": "withdrawn",
                    "approved": "accepted",
                    "completed": "completed",
                }[state],
                submitted_at=starts - timedelta(days=10),
            )
        )
        bookings.append((site_id, owner_id, sender, starts, state))
    Request.objects.bulk_create(requests, batch_size=5000)
    ids = list(
        Request.objects.filter(subject_key__startswith="bench:").order_by("id").values_list("pk", flat=True)
    )
    Booking.objects.bulk_create(
        [
            Booking(
                site_id=site_id,
                request_id=rid,
                owner_school_id=owner_id,
                requesting_school=sender,
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                group_size=30,
                purpose="压测班次",
                status=state,
            )
            for rid, (site_id, owner_id, sender, starts, state) in zip(ids, bookings, strict=True)
        ],
        batch_size=5000,
    )
    alliance = Alliance.objects.get(name="川滇黔毗邻区县党校联盟")
    space = Space.objects.get(alliance=alliance)
    members = list(alliance.members.all())
    many = rows // 10
    Meeting.objects.bulk_create(
        [
            Meeting(
                space=space,
                title=f"压测会议{n}",
                held_on=date(2020, 1, 1) + timedelta(days=n % 2000),
                host_school=members[n % len(members)],
            )
            for n in range(many)
        ],
        batch_size=5000,
    )
    meeting_ids = list(Meeting.objects.filter(title__startswith="压测会议").values_list("pk", flat=True))
    Resolution.objects.bulk_create(
        [
            Resolution(
                meeting_id=meeting_ids[n % len(meeting_ids)],
                space=space,
                text=f"压测决议{n}",
                owner_school=members[n % len(members)],
                due_on=date(2026, 1, 1) + timedelta(days=n % 700),
            )
            for n in range(many)
        ],
        batch_size=5000,
    )
    NewsPost.objects.bulk_create(
        [
            NewsPost(
                space=space,
                school=members[n % len(members)],
                title=f"压测动态{n}",
                body="正文",
                is_public=n % 2 == 0,
                published_at=timezone.now() - timedelta(hours=n),
            )
            for n in range(many)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        # VACUUM too on PostgreSQL: freshly bulk-loaded tables have no visibility map, so
        # index-only scans read the heap until the first vacuum.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def measure(username: str, urls: list[str], rounds: int) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    for url in urls:
        client.get(url)
        wall, cpu = [], []
        queries: list[str] = []

        def counting(execute, sql, params, many, context, sink=queries):
            sink.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        print(
            f"  {username:16} {url:48} p50={percentile(wall, 50):6.1f} ms p95={percentile(wall, 95):6.1f} ms "
            f"cpu={sum(cpu) / len(cpu):6.1f} ms queries={len(queries)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seed-only", action="store_true", help="fill the database, measure nothing")
    args = parser.parse_args()
    started = time.perf_counter()
    seed(args.rows)
    if args.seed_only:
        return
    print(
        f"{connection.vendor}: {FieldSite.objects.count()} sites, {Booking.objects.count()} bookings, "
        f"{Meeting.objects.count()} meetings, {NewsPost.objects.count()} news (ready in {time.perf_counter() - started:.0f} s)"
    )
    space = Space.objects.get(alliance__name="川滇黔毗邻区县党校联盟")
    urls = [
        "/sites/",
        "/sites/?theme=red",
        "/sites/?q=压测基地0999",
        "/sites/?page=150",
        "/sites/bookings/",
        f"/alliances/spaces/{space.pk}/",
        "/alliances/agreements/",
    ]
    measure("lz-xuyong-admin", urls, args.rounds)
    # Guangzhou is no member of the 川滇黔 alliance: its page is a 404 for it (not measured).
    measure("gz-staff", [u for u in urls if "/spaces/" not in u], args.rounds)


if __name__ == "__main__":
    main()

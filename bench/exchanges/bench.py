"""Benchmark of 交流协作's main lists at 100 k requests: the inbox, the outbox, the dispatch list
and one request page, with their p95 wall time, CPU per request and SQL query count (which must
not grow with N). Not run by the tests.

    DATABASE_URL=sqlite:////tmp/yiwang_exchanges_bench.sqlite3 .venv/bin/python bench/exchanges/bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_exchanges_bench .venv/bin/python bench/exchanges/bench.py

The database is created (migrate + the network demo) when empty; rows are bulk-inserted, seeded.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.exchanges.enums import RequestKind, RequestStatus  # noqa: E402
from yiwang.exchanges.models import Dispatch, Request  # noqa: E402
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.network.models import School  # noqa: E402

STATUSES = [RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.DECLINED, RequestStatus.COMPLETED]


def ensure_network() -> None:
    call_command("migrate", verbosity=0)  # a no-op when the schema is current
    if not School.objects.filter(code="gz").exists():
        from yiwang.network.demo import DemoLog, load

        load(scale=0, log=DemoLog(lambda text: None))


def fill(n: int) -> None:
    have = Request.objects.count()
    if have >= n:
        return
    rng = random.Random(20261202)
    schools = list(School.objects.order_by("code"))
    gz = School.objects.get(code="gz")
    others = [s for s in schools if s.pk != gz.pk]
    teacher = Teacher.objects.filter(owner_school=gz).first() or Teacher.objects.create(
        owner_school=gz, name="基准教师", scope="network"
    )
    now = timezone.now()

    def flush(batch: list[Request]) -> None:
        created = Request.objects.bulk_create(batch)
        Dispatch.objects.bulk_create(
            [
                Dispatch(
                    request=r,
                    from_school_id=r.from_school_id,
                    to_school_id=r.to_school_id,
                    is_sent=True,
                    teacher=teacher,
                    topic_title=r.title,
                    starts_at=r.submitted_at + timedelta(days=30),
                    ends_at=r.submitted_at + timedelta(days=30, hours=2),
                    city="广州市",
                    province="广东省",
                )
                for r in created
                if r.kind == RequestKind.DISPATCH
            ]
        )

    batch = []
    for i in range(have, n):
        sender = others[i % len(others)]
        inbound = i % 2 == 0
        status = STATUSES[rng.randrange(len(STATUSES))]
        submitted = now - timedelta(minutes=i)
        batch.append(
            Request(
                kind=RequestKind.DISPATCH if i % 5 == 0 else RequestKind.GENERAL,
                from_school=sender if inbound else gz,
                to_school=gz if inbound else sender,
                subject_key=f"bench:{i}",
                title=f"基准请求 {i}：专题讲座与交流",
                status=status,
                submitted_at=submitted,
            )
        )
        if len(batch) == 5000:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    with connection.cursor() as cursor:
        # VACUUM too on PostgreSQL: freshly bulk-loaded tables have no visibility map, so
        # index-only scans read the heap until the first vacuum.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(client: Client, url: str, runs: int) -> dict:
    settings.DEBUG = True
    client.get(url)  # warm
    walls, cpus, queries = [], [], []
    for _ in range(runs):
        reset_queries()
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
        queries.append(len(connection.queries))
        assert response.status_code == 200, (url, response.status_code)
    walls.sort()
    return {
        "url": url,
        "p50": statistics.median(walls),
        "p95": walls[int(len(walls) * 0.95) - 1],
        "cpu": statistics.mean(cpus),
        "queries": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed-only", action="store_true", help="fill the database, measure nothing")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    ensure_network()
    fill(args.rows)
    if args.seed_only:
        return
    user = User.objects.get(username="gz-staff")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    one = Request.objects.filter(to_school__code="gz").order_by("-id").first()
    urls = [
        "/exchanges/",
        "/exchanges/?status=submitted",
        "/exchanges/?kind=dispatch",
        "/exchanges/outbox/",
        "/exchanges/dispatches/",
        f"/exchanges/requests/{one.pk}/",
        "/api/v1/exchanges/inbox",
    ]
    print(f"{connection.vendor}, {Request.objects.count()} requests, {Dispatch.objects.count()} dispatches")
    for url in urls:
        r = measure(client, url, args.runs)
        print(
            f"{r['url']:<40} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  CPU {r['cpu']:6.1f} ms  {r['queries']} queries"
        )


if __name__ == "__main__":
    sys.exit(main())

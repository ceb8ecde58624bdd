"""Sign-up race: 200 simultaneous sign-ups for 30 seats against gunicorn over loopback, on PostgreSQL.

    .venv/bin/python bench/classes/signup_race.py [--rounds 5] [--workers 4] [--threads 4]

Creates (drops first) the database ``yiwang_bench_classes`` on the PostgreSQL server of
BENCH_PG (default postgres://postgres@127.0.0.1:5432), migrates it, adds 200 teachers with
API tokens and, per round, a fresh session with 30 seats; starts gunicorn; fires all 200
POST /api/v1/classes/sessions/<id>/sign-ups at once (released by a barrier); prints the
latency percentiles and the server's CPU per request (user + system of
the gunicorn processes, from /proc) and checks exactly 30 confirmed. Not run by the tests.
"""

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "yiwang_bench_classes"
DATABASE_URL = f"{PG}/{DB_NAME}"
REQUESTS, SEATS, PORT = 200, 30, int(os.environ.get("BENCH_PORT", "8765"))
# The code under test: this tree's src/, or another checkout's (``BENCH_SRC=/tmp/head/src``,
# e.g. from ``git archive HEAD src | tar -x -C /tmp/head``) to measure "before" in the same run.
SRC = Path(os.environ.get("BENCH_SRC", ROOT / "src")).resolve()


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import django

    django.setup()


def seed() -> list[str]:
    from django.core.management import call_command

    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_api_token
    from yiwang.network.enums import SchoolLevel
    from yiwang.network.models import Membership, School

    call_command("migrate", verbosity=0)
    gz = School.objects.create(
        code="gz", name="中共广州市委党校", short_name="广州", level=SchoolLevel.CITY, province="广东省"
    )
    panyu = School.objects.create(
        code="gz-panyu",
        name="中共广州市番禺区委党校",
        short_name="番禺",
        parent=gz,
        level=SchoolLevel.COUNTY,
        province="广东省",
    )
    keys = []
    for n in range(REQUESTS):
        user = User.objects.create_user(f"bench-t{n:03d}", password=None, full_name=f"测试教师{n:03d}")
        Membership.objects.create(user=user, school=panyu, is_teacher=True)
        keys.append(create_api_token(user=user, name="bench")[1])
    return keys


def new_session(offset: int) -> int:
    from datetime import date, timedelta
    from datetime import time as t

    from yiwang.classes.models import Session, TrainingClass
    from yiwang.classes.services import local_datetime
    from yiwang.network.models import School

    gz = School.objects.get(code="gz")
    day = date.today() + timedelta(days=7 + offset)
    klass = TrainingClass.objects.create(
        owner_school=gz,
        name=f"压测班次{time.time_ns()}",
        kind="main",
        start_date=day,
        end_date=day,
        status="published",
        scope="system",
    )
    session = Session.objects.create(
        training_class=klass,
        date=day,
        start_time=t(9),
        end_time=t(11),
        title="压测课程",
        starts_at=local_datetime(day, t(9)),
        ends_at=local_datetime(day, t(11)),
        is_open=True,
        visiting_seats=SEATS,
    )
    return session.pk


def start_server(workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{Path(__file__).resolve().parent}{os.pathsep}{SRC}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "yiwang.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-k",
            "gthread",
            "--backlog",
            "512",
            "--log-level",
            "warning",
            "--preload",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=10).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def race(session_id: int | list[int], keys: list[str]) -> list[tuple[int, str, float]]:
    barrier = threading.Barrier(len(keys))
    ids = session_id if isinstance(session_id, list) else [session_id] * len(keys)
    urls = {
        key: f"http://127.0.0.1:{PORT}/api/v1/classes/sessions/{sid}/sign-ups"
        for key, sid in zip(keys, ids, strict=True)
    }

    def one(key):
        url = urls[key]
        with requests.Session() as http:
            barrier.wait()
            started = time.perf_counter()
            response = http.post(url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
            elapsed = time.perf_counter() - started
        status = response.json().get("status", "") if response.status_code == 201 else ""
        return response.status_code, status, elapsed

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(one, keys))


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU of the gunicorn master and its workers so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--spread",
        action="store_true",
        help="baseline: every request signs up to its own session (no contention for one row)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    recreate_database()
    django_setup()
    keys = seed()
    all_latencies = []
    server = start_server(args.workers, args.threads)
    try:
        race(new_session(0), keys[:20])  # warm up every worker
        all_cpu = 0.0
        for round_no in range(1, args.rounds + 1):
            cpu_before = server_cpu_seconds(server)
            if args.spread:
                results = race([new_session(round_no * 1000 + n) for n in range(REQUESTS)], keys)
            else:
                results = race(new_session(round_no), keys)
            cpu = server_cpu_seconds(server) - cpu_before
            all_cpu += cpu
            codes = {code for code, _, _ in results}
            statuses = [s for _, s, _ in results]
            latencies = [e * 1000 for _, _, e in results]
            all_latencies += latencies
            expected = (REQUESTS, 0) if args.spread else (SEATS, REQUESTS - SEATS)
            ok = codes == {201} and (statuses.count("confirmed"), statuses.count("waitlisted")) == expected
            print(
                f"round {round_no}: codes={sorted(codes)} confirmed={statuses.count('confirmed')} "
                f"waitlisted={statuses.count('waitlisted')} p50={percentile(latencies, 50):.0f} ms "
                f"p95={percentile(latencies, 95):.0f} ms p99={percentile(latencies, 99):.0f} ms "
                f"max={max(latencies):.0f} ms cpu/request={cpu / REQUESTS * 1000:.1f} ms "
                f"{'OK' if ok else 'FAILED'}"
            )
        print(
            f"all {len(all_latencies)} requests: p50={percentile(all_latencies, 50):.0f} ms "
            f"p95={percentile(all_latencies, 95):.0f} ms p99={percentile(all_latencies, 99):.0f} ms "
            f"mean={statistics.mean(all_latencies):.0f} ms "
            f"server cpu/request={all_cpu / (REQUESTS * args.rounds) * 1000:.1f} ms (gunicorn {args.workers} workers × {args.threads} threads)"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

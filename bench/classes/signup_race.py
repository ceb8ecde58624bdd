"""Sign-up race: 200 simultaneous sign-ups for 30 seats against gunicorn over loopback, on PostgreSQL.

    .venv/bin/python bench/classes/signup_race.py [--rounds 5] [--workers 4] [--threads 4]
        [--compare /tmp/head/src]

Creates (drops first) the database ``yiwang_bench_classes`` on the PostgreSQL server of
BENCH_PG (default postgres://postgres@127.0.0.1:5432), migrates it, adds 200 teachers with
API tokens and, per round, a fresh session with 30 seats; starts gunicorn; fires all 200
POST /api/v1/classes/sessions/<id>/sign-ups at once (released by a barrier); prints the
latency percentiles and the server's CPU per request (user + system of
the gunicorn processes, from /proc) and checks exactly 30 confirmed. With ``--compare OTHER_SRC``
a second server runs that other checkout's code (e.g. ``git archive HEAD src | tar -x -C /tmp/head``)
and the rounds alternate between the two, so a shared machine's load falls on both alike.
Not run by the tests.
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


def start_server(workers: int, threads: int, src: Path = SRC, port: int = PORT) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{Path(__file__).resolve().parent}{os.pathsep}{src}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "yiwang.wsgi",
            "-b",
            f"127.0.0.1:{port}",
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
    deadline = time.monotonic() + 240  # a loaded machine can take minutes to import and fork
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def race(session_id: int | list[int], keys: list[str], port: int = PORT) -> list[tuple[int, str, float]]:
    barrier = threading.Barrier(len(keys))
    ids = session_id if isinstance(session_id, list) else [session_id] * len(keys)
    urls = {
        key: f"http://127.0.0.1:{port}/api/v1/classes/sessions/{sid}/sign-ups"
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
    parser.add_argument("--compare", help="another checkout's src/: a second server, rounds alternate")
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    recreate_database()
    django_setup()
    keys = seed()
    sources = {"current": (SRC, PORT)}
    if args.compare:
        sources = {"compare": (Path(args.compare).resolve(), PORT + 1), **sources}
    servers = {}
    latencies = {name: [] for name in sources}
    cpu_total = dict.fromkeys(sources, 0.0)
    offset = 0
    try:
        for name, (src, port) in sources.items():
            servers[name] = start_server(args.workers, args.threads, src, port)
        for name in servers:
            offset += 1
            race(new_session(offset), keys[:20], sources[name][1])  # warm up every worker
        for round_no in range(1, args.rounds + 1):
            for name, server in servers.items():
                offset += 1
                port = sources[name][1]
                cpu_before = server_cpu_seconds(server)
                if args.spread:
                    ids = [new_session(offset * 1000 + n) for n in range(REQUESTS)]
                    results = race(ids, keys, port)
                else:
                    results = race(new_session(offset), keys, port)
                cpu = server_cpu_seconds(server) - cpu_before
                cpu_total[name] += cpu
                codes = {code for code, _, _ in results}
                statuses = [s for _, s, _ in results]
                round_latencies = [e * 1000 for _, _, e in results]
                latencies[name] += round_latencies
                expected = (REQUESTS, 0) if args.spread else (SEATS, REQUESTS - SEATS)
                ok = (
                    codes == {201} and (statuses.count("confirmed"), statuses.count("waitlisted")) == expected
                )
                print(
                    f"{name} round {round_no}: codes={sorted(codes)} confirmed={statuses.count('confirmed')} "
                    f"waitlisted={statuses.count('waitlisted')} p50={percentile(round_latencies, 50):.0f} ms "
                    f"p95={percentile(round_latencies, 95):.0f} ms p99={percentile(round_latencies, 99):.0f} ms "
                    f"max={max(round_latencies):.0f} ms cpu/request={cpu / REQUESTS * 1000:.1f} ms "
                    f"load={os.getloadavg()[0]:.1f} {'OK' if ok else 'FAILED'}",
                    flush=True,
                )
        for name, values in latencies.items():
            print(
                f"{name}: all {len(values)} requests: p50={percentile(values, 50):.0f} ms "
                f"p95={percentile(values, 95):.0f} ms p99={percentile(values, 99):.0f} ms "
                f"mean={statistics.mean(values):.0f} ms "
                f"server cpu/request={cpu_total[name] / (REQUESTS * args.rounds) * 1000:.1f} ms "
                f"(gunicorn {args.workers} workers × {args.threads} threads)"
            )
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
        for server in servers.values():
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()

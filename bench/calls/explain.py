"""The SQL statements behind one 共研一个题 page, slowest first, on a database ``bench.py`` loaded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_calls_h14 .venv/bin/python bench/calls/explain.py /calls/overdue/
    DATABASE_URL=… .venv/bin/python bench/calls/explain.py /calls/ --user gz-panyu-t1 --analyze 3 --jit

Requests ``url`` (Django test client, after one warm-up) as ``--user``, times every statement
again on its own (best of ``--repeat``), prints them slowest first and, with ``--analyze N``, the
plan of the N slowest (``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite).
``--jit`` (PostgreSQL) also times each statement with ``SET jit = off`` and ``on`` in this
connection only — the figures for deciding a project-wide setting; nothing else is changed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classes"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.calls.models import ResearchCall  # noqa: E402


def timed(sql: str, repeat: int) -> float:
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(repeat):
            t0 = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            best = min(best, (time.perf_counter() - t0) * 1000)
    return best


def set_jit(on: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET jit = {'on' if on else 'off'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", help="a page or API path; {call} is the measured call's id")
    parser.add_argument("--user", default="gz-staff")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--analyze", type=int, default=0, help="print the plans of the N slowest")
    parser.add_argument("--jit", action="store_true", help="PostgreSQL: time each with jit off and on")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call = ResearchCall.objects.filter(title__startswith="基准课题申报批次").order_by("id").first()
    url = args.url.replace("{call}", str(call.pk if call else 0))
    client = Client()
    client.force_login(
        User.objects.get(username=args.user), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    postgres = connection.vendor == "postgresql"
    rows = []
    for q in captured.captured_queries:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        row = {"sql": sql, "ms": timed(sql, args.repeat)}
        if postgres and args.jit:
            set_jit(False)
            row["off"] = timed(sql, args.repeat)
            set_jit(True)
            row["on"] = timed(sql, args.repeat)
        rows.append(row)
    rows.sort(key=lambda r: -r["ms"])
    print(f"{connection.vendor} {url} as {args.user}: {len(captured.captured_queries)} statements")
    for r in rows:
        jit = f"  jit off {r['off']:7.1f} / on {r['on']:7.1f} ms" if "off" in r else ""
        print(f"{r['ms']:8.1f} ms{jit}  {r['sql'][:160]}")
    for r in rows[: args.analyze]:
        print("\n" + r["sql"])
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + r["sql"])
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + r["sql"])
            for line in cursor.fetchall():
                print("   ", *line)


if __name__ == "__main__":
    sys.exit(main())

"""Per-statement timing of one cold board request (issue 16): which statements cost the time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash_h16 .venv/bin/python bench/dashboards/profile_board.py
    DATABASE_URL=sqlite:////tmp/h16/bench_dash_h16.sqlite3 .venv/bin/python bench/dashboards/profile_board.py --school gz

Runs on the data ``bench_boards.py`` generated. One warm-up request (imports, URL resolution,
the database's own caches — the state of a running server), then the boards' cache emptied and one
request timed statement by statement through ``connection.execute_wrapper``. Prints the statements
slowest first (wall ms, rows, SQL) and, with ``--explain`` on PostgreSQL, the plan of the slowest.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

from bench_boards import leader_client  # noqa: E402 — sets Django up
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append(((time.perf_counter() - t0) * 1000, sql, params))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--school", default="", help="a school board (code) instead of the network's")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--explain", type=int, default=0, help="the N slowest in full with their plans")
    args = parser.parse_args()
    client = leader_client()
    year = timezone.localdate().year
    url = (
        f"/dashboards/boards/school/{args.school}/?period={year}"
        if args.school
        else f"/dashboards/boards/network/all/?period={year}"
    )
    client.get(url)
    cache.clear()
    timer = Timer()
    c0, w0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(timer):
        response = client.get(url)
    wall, cpu = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
    assert response.status_code == 200
    total_sql = sum(r[0] for r in timer.rows)
    print(
        f"{url} {connection.vendor}: {wall:.0f} ms wall, {cpu:.0f} ms CPU, {len(timer.rows)} statements "
        f"taking {total_sql:.0f} ms, load {os.getloadavg()[0]:.1f}"
    )
    slowest = sorted(timer.rows, key=lambda r: -r[0])
    for ms, sql, _params in slowest[: args.top]:
        print(f"{ms:8.1f} ms  {sql[:600]}")
    if args.explain:
        explain = (
            "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        )
        with connection.cursor() as cursor:
            for ms, sql, params in slowest[: args.explain]:
                print(f"-- {ms:.1f} ms: {sql} {params}")
                cursor.execute(explain + sql, params)
                print("\n".join(" ".join(map(str, r)) for r in cursor.fetchall()))
                print("-" * 80)


if __name__ == "__main__":
    main()

"""Where one page's time goes: each SQL statement with its time, then a cProfile of the request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sites_h15 .venv/bin/python bench/sites/profile_page.py \\
        lz-xuyong-admin /sites/ [--explain]

Runs against a database the benchmark (``bench.py``) has filled; measures nothing for the record.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("username")
    parser.add_argument("url")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each SELECT (PostgreSQL)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.get(username=args.username), backend="django.contrib.auth.backends.ModelBackend"
    )
    client.get(args.url)
    statements = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        assert client.get(args.url).status_code == 200
        wall = (time.perf_counter() - started) * 1000
    print(f"{len(statements)} statements, {sum(s[0] for s in statements):.1f} ms of {wall:.1f} ms")
    for ms, sql, _ in statements:
        print(f"{ms:7.2f} ms  {sql[:160]}")
    if args.explain and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for ms, sql, params in sorted(statements, key=lambda s: -s[0])[:3]:
                if sql.lstrip().upper().startswith(("SELECT", "(SELECT", "WITH")):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print(f"\n-- {ms:.1f} ms: {sql[:300]}")
                    print("\n".join(row[0] for row in cursor.fetchall()))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(5):
        client.get(args.url)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()

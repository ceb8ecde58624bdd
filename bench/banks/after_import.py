"""The topic list right after ``yiwang import``, in the state a user meets (issue 12 parts 1 and 2).

    DEBUG=false DATABASE_URL=sqlite:////tmp/yiwang_import_topics.sqlite3 \
        .venv/bin/python bench/banks/measure.py import --bank topic --rows 200000 --listeners on
    DEBUG=false DATABASE_URL=sqlite:////tmp/yiwang_import_topics.sqlite3 \
        .venv/bin/python bench/banks/after_import.py [--rounds 30]

The first command migrates an empty database, loads the demo and imports 200 000 topics through
the real ``yiwang import`` binary (search index updated after commit, planner statistics
refreshed by the import itself). This script then touches nothing — no ``ANALYZE``, no index, no
cache warming beyond one request per page — and requests, in-process (Django test client, full
middleware), the topic list page, the topic API list, and both with a text filter ``q`` (a word
in an eighth of the imported topics, two words, and a word only the demo's topics hold), as a
district teacher (``gz-panyu-t1``). It prints the SQL statements of one request, the median CPU
per request (``time.process_time``: meaningful on a shared machine) and the wall p50/p95 of
``--rounds`` requests, and whether the planner has statistics for the topic table. Not run by
the tests.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
# the settings ``measure.py import`` wrote the data with (the contact columns' key follows them)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.core.db import has_planner_statistics  # noqa: E402
from yiwang.topics.models import Topic  # noqa: E402

PAGES = {
    "topic list page": "/topics/",
    "topic API list": "/api/v1/topics/?page_size=50",
    "page ?q= common word": "/topics/?q=乡村振兴",
    "API ?q= common word": "/api/v1/topics/?page_size=50&q=乡村振兴",
    "page ?q= two words": "/topics/?q=营商环境+现场教学",
    "page ?q= demo-only word": "/topics/?q=红色",
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--user", default="gz-panyu-t1")
    args = parser.parse_args()
    print(
        f"{connection.vendor}: {Topic.objects.count()} topics; planner statistics for topics_topic: "
        f"{'yes' if has_planner_statistics('topics_topic') else 'NO'}; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.get(username=args.user), backend="django.contrib.auth.backends.ModelBackend"
    )
    for page, url in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        statements: list[str] = []

        def counting(execute, sql, params, many, context, sink=statements):
            sink.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            client.get(url)
        wall, cpu = [], []
        for _ in range(args.rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        print(
            f"  {page:24} cpu {statistics.median(cpu):7.1f} ms   wall p50 {statistics.median(wall):7.1f} "
            f"p95 {percentile(wall, 95):7.1f} ms   {len(statements)} statements",
            flush=True,
        )
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Where one 合备一门课 request spends its time: SQL statements (each timed) and a cProfile.

    DATABASE_URL=... .venv/bin/python bench/codev/profile_page.py /codev/ [--outsider] [--runs 5] [--top 30]

Run after ``bench.py`` loaded the database. Prints each statement of the last run with its
wall time, the DB total, the request's wall and CPU time, and the functions with the most
cumulative time over ``--runs`` profiled requests. Not run by the tests.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classes"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.codev.models import Project  # noqa: E402


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append(((time.perf_counter() - t0) * 1000, sql))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url", help="a path; {project} is replaced by the team school's first project")
    parser.add_argument("--outsider", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    user = User.objects.get(username="bench_outsider" if args.outsider else "bench0")
    project = Project.objects.filter(lead_school__code="b000").order_by("id").first()
    url = args.url.replace("{project}", str(project.pk))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(url)
    timer = Timer()
    for _ in range(3):
        timer.rows = []
        with connection.execute_wrapper(timer):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        assert response.status_code == 200, response.status_code
    for ms, sql in timer.rows:
        print(f"{ms:7.2f} ms  {sql[:220]}")
    db = sum(ms for ms, _ in timer.rows)
    print(f"{len(timer.rows)} statements, DB {db:.1f} ms; request wall {wall:.1f} ms, CPU {cpu:.1f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        client.get(url)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()

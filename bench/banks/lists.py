"""Course and research lists (pages and API) at 100 k items (issue 12 part 4). Not run by the tests.

    DEBUG=false DATABASE_URL=sqlite:////tmp/bench_banks_lists.sqlite3 nice -n 5 .venv/bin/python bench/banks/lists.py
    DEBUG=false DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_banks_lists nice -n 5 .venv/bin/python bench/banks/lists.py

Loads the demo into the (empty) database named by ``DATABASE_URL``, then adds ``--rows`` courses,
``--rows`` research projects and ``--rows`` research outputs spread over every school (mixed
sharing scopes and states) through the banks' batch services (``create_courses`` /
``create_projects`` / ``create_outputs``, the path ``yiwang import`` takes, with the server
console as writer), then refreshes the planner statistics as an import does
(``core.db.refresh_planner_statistics``) — nothing else tunes the database. The search index
listeners are detached while loading unless ``--index`` is given (the lists do not read it).

Then it requests, in-process (Django test client), each list page and API list as a teacher of a
district school and as a city school's staff, and prints wall p50/p95, CPU per request
(``time.process_time``) and the SQL queries of one request. ``--rows 0`` measures the demo alone,
for the query counts with few rows.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "sites"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.accounts.services import CONSOLE  # noqa: E402
from yiwang.core import indexing  # noqa: E402
from yiwang.core.db import model_tables, refresh_planner_statistics  # noqa: E402
from yiwang.courses.models import Course  # noqa: E402
from yiwang.courses.services import create_courses  # noqa: E402
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.network.models import School  # noqa: E402
from yiwang.research.models import ResearchOutput, ResearchProject  # noqa: E402
from yiwang.research.services import create_outputs, create_projects  # noqa: E402

SCOPES = ["system", "network", "network", "school", "public", "system"]
WORDS = ["乡村振兴", "基层治理", "党史学习", "生态文明", "数字经济", "红色文化", "共同富裕", "依法行政"]
CHUNK = 5000


def _chunks(total: int):
    for start in range(0, total, CHUNK):
        yield start, min(CHUNK, total - start)


def seed(rows: int, *, index: bool) -> None:
    if Course._meta.db_table not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not School.objects.filter(code="gz").exists():
        with open(os.devnull, "w") as quiet:
            call_command("demo", "--quiet", stdout=quiet)
    if not index:
        saved = (indexing._changed[:], indexing._bulk_changed[:])
        indexing._changed.clear()
        indexing._bulk_changed.clear()
    rng = random.Random(20261202)
    schools = list(School.objects.filter(is_active=True).order_by("code"))
    teachers: dict[int, list[int]] = {}
    for pk, school_id in Teacher.objects.filter(is_active=True).values_list("pk", "owner_school_id"):
        teachers.setdefault(school_id, []).append(pk)
    schools = [s for s in schools if s.pk in teachers]
    statuses = ["published"] * 6 + ["featured", "draft", "review", "retired"]
    need = rows - Course.objects.filter(title__startswith="压测课程").count()
    for start, n in _chunks(max(0, need)):
        batch = []
        for k in range(start, start + n):
            school = schools[k % len(schools)]
            batch.append(
                {
                    "school": school,
                    "title": f"压测课程{k:06d}{WORDS[k % len(WORDS)]}",
                    "kind": "field" if k % 7 == 0 else "classroom",
                    "place_name": "现场教学点" if k % 7 == 0 else "",
                    "keywords": WORDS[(k * 3) % len(WORDS)],
                    "teachers": rng.sample(teachers[school.pk], 1),
                    "status": statuses[k % len(statuses)],
                    "scope": SCOPES[k % len(SCOPES)],
                }
            )
        create_courses(by=CONSOLE, rows=batch)
    need = rows - ResearchProject.objects.filter(title__startswith="压测课题").count()
    project_statuses = ["applying", "approved", "ongoing", "ongoing", "concluded", "terminated"]
    for start, n in _chunks(max(0, need)):
        batch = []
        for k in range(start, start + n):
            school = schools[k % len(schools)]
            begin = date(2015, 1, 1) + timedelta(days=k % 3650)
            batch.append(
                {
                    "school": school,
                    "title": f"压测课题{k:06d}{WORDS[k % len(WORDS)]}研究",
                    "level": ["national", "provincial", "municipal", "school"][k % 4],
                    "category": ["think_tank", "party_base", "consulting", "other"][k % 4],
                    "start_date": begin,
                    "end_date": begin + timedelta(days=730),
                    "principal_investigator": rng.choice(teachers[school.pk]),
                    "status": project_statuses[k % len(project_statuses)],
                    "scope": SCOPES[k % len(SCOPES)],
                }
            )
        create_projects(by=CONSOLE, rows=batch)
    need = rows - ResearchOutput.objects.filter(title__startswith="压测成果").count()
    for start, n in _chunks(max(0, need)):
        batch = []
        for k in range(start, start + n):
            school = schools[k % len(schools)]
            batch.append(
                {
                    "school": school,
                    "kind": ["paper", "report", "book", "advisory"][k % 4],
                    "title": f"压测成果{k:06d}{WORDS[k % len(WORDS)]}",
                    "published_on": date(2015, 1, 1) + timedelta(days=k % 3650),
                    "authors": rng.sample(teachers[school.pk], 1),
                    "scope": SCOPES[k % len(SCOPES)],
                }
            )
        create_outputs(by=CONSOLE, rows=batch)
    if not index:
        indexing._changed[:], indexing._bulk_changed[:] = saved
    if rows:
        refresh_planner_statistics(model_tables(Course, ResearchProject, ResearchOutput))


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
        queries: list[str] = []

        def counting(execute, sql, params, many, context, sink=queries):
            sink.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        wall, cpu = [], []
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        print(
            f"  {username:14} {url:46} p50={percentile(wall, 50):6.1f} ms p95={percentile(wall, 95):6.1f} ms "
            f"cpu={sum(cpu) / len(cpu):6.1f} ms queries={len(queries)}",
            flush=True,
        )


URLS = [
    "/courses/",
    "/api/v1/courses/?page_size=50",
    "/courses/?kind=field",
    "/courses/?page=20",
    "/research/",
    "/api/v1/research/projects?page_size=50",
    "/research/?status=ongoing",
    "/research/outputs/",
    "/api/v1/research/outputs?page_size=50",
    "/research/outputs/?kind=report",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--index", action="store_true", help="keep the search index listeners while loading")
    parser.add_argument("--users", default="gz-panyu-t1,gz-admin")
    args = parser.parse_args()
    started = time.perf_counter()
    seed(args.rows, index=args.index)
    print(
        f"{connection.vendor}: {Course.objects.count()} courses, {ResearchProject.objects.count()} projects, "
        f"{ResearchOutput.objects.count()} outputs (ready in {time.perf_counter() - started:.0f} s), "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    for username in args.users.split(","):
        measure(username, URLS, args.rounds)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

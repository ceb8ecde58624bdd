"""合备一门课 pages at 100 k projects.

    DATABASE_URL=sqlite:////tmp/codev_bench.db .venv/bin/python bench/codev/bench.py [--projects 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_codev .venv/bin/python bench/codev/bench.py

Migrates the (empty) database, adds 61 schools, five modules and ``--projects`` projects by
bulk inserts: each with its course, a five-stage plan, one team member and a task; the stage
uniform over the six stages (so about 1/6 are published, their courses 发布 with 70 % 全网 and
30 % 本校 scope); a third with one participating school (the ``ProjectSchool`` rows the
services keep are written alongside); about 1 % led by the measured viewer's school and 0.5 %
with it as a participant. Then requests in-process (Django test client) the 合备一门课 page,
a filtered page, the API list and a project workspace as the team-school viewer (staff of
b000), and the list pages as an outsider (a school on no project), printing p50/p95 latency,
CPU per request (``time.process_time``) and SQL queries per request. Not run by the tests.

After loading, the tables are brought to the state autovacuum keeps them in production:
``VACUUM ANALYZE`` on PostgreSQL (bulk-inserted tables have no visibility map, so the
``TeamMember (user, project)`` and ``ProjectSchool (school, project)`` index-only scans that
answer "my projects" would read the heap instead), ``ANALYZE`` on SQLite. Planner settings can
be tried without touching the project's settings, e.g. ``PGOPTIONS="-c random_page_cost=1.1"``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classes"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.codev.enums import STAGE_ORDER  # noqa: E402
from yiwang.codev.models import Project, ProjectSchool, StagePlan, Task, TeamMember  # noqa: E402
from yiwang.core.db import refresh_planner_statistics  # noqa: E402
from yiwang.courses.models import Course, TeachingModule  # noqa: E402
from yiwang.network.models import Membership, School  # noqa: E402

BATCH = 5000


def load(n: int) -> None:
    if Project.objects.count() >= n:
        return
    rng = random.Random(13)
    schools = [
        School.objects.get_or_create(
            code=f"b{i:03d}",
            defaults={
                "name": f"基准党校{i:03d}",
                "short_name": f"基{i}",
                "level": "city",
                "province": "广东省",
            },
        )[0]
        for i in range(61)
    ]
    outsider_school = schools.pop()
    modules = [
        TeachingModule.objects.get_or_create(
            owner_school=schools[0], name=f"模块{i}", defaults={"position": i}
        )[0]
        for i in range(5)
    ]
    users = []
    for i, school in enumerate(schools):
        user, _ = User.objects.get_or_create(username=f"bench{i}", defaults={"full_name": f"教师{i}"})
        Membership.objects.get_or_create(
            user=user, school=school, defaults={"is_teacher": True, "is_teaching_staff": i % 2 == 0}
        )
        users.append(user)
    outsider, _ = User.objects.get_or_create(username="bench_outsider", defaults={"full_name": "局外人"})
    Membership.objects.get_or_create(
        user=outsider, school=outsider_school, defaults={"is_teacher": True, "is_teaching_staff": True}
    )
    done = Project.objects.count()
    while done < n:
        size = min(BATCH, n - done)
        leads = [schools[0] if rng.random() < 0.01 else rng.choice(schools[1:]) for _ in range(size)]
        stages = [rng.choice(STAGE_ORDER) for _ in range(size)]
        courses = Course.objects.bulk_create(
            [
                Course(
                    title=f"基准课程{done + k}",
                    owner_school=lead,
                    scope="school" if stage == "published" and rng.random() < 0.3 else "network",
                    status="published" if stage == "published" else "draft",
                    module=rng.choice(modules),
                )
                for k, (lead, stage) in enumerate(zip(leads, stages, strict=True))
            ]
        )
        projects = Project.objects.bulk_create(
            [
                Project(
                    title=f"基准项目{done + k}",
                    module=c.module,
                    course=c,
                    lead_school=c.owner_school,
                    stage=stage,
                )
                for k, (c, stage) in enumerate(zip(courses, stages, strict=True))
            ]
        )
        partners = {}
        for p in projects:
            if rng.random() < 0.005 and p.lead_school != schools[0]:
                partners[p.pk] = schools[0]
            elif rng.random() < 0.33:
                other = rng.choice(schools[1:])
                if other != p.lead_school:
                    partners[p.pk] = other
        Project.schools.through.objects.bulk_create(
            [Project.schools.through(project_id=pk, school_id=s.pk) for pk, s in partners.items()]
        )
        ProjectSchool.objects.bulk_create(
            [ProjectSchool(project=p, school=p.lead_school) for p in projects]
            + [ProjectSchool(project_id=pk, school=s) for pk, s in partners.items()]
        )
        StagePlan.objects.bulk_create([StagePlan(project=p, stage=s) for p in projects for s in STAGE_ORDER])
        members = TeamMember.objects.bulk_create(
            [
                TeamMember(
                    project=p, user=users[schools.index(p.lead_school)], school=p.lead_school, role="lead"
                )
                for p in projects
            ]
        )
        Task.objects.bulk_create(
            [Task(project=m.project, assignee=m, title="任务", due_date="2030-01-01") for m in members]
        )
        done += size
        print(f"  {done} projects", flush=True)


def settle() -> None:
    """Planner statistics (and on PostgreSQL the visibility map) as in a running deployment."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        refresh_planner_statistics()


def measure(client, url, runs):
    times, cpu, queries = [], [], []
    client.get(url)
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return statistics.median(times), p95, statistics.mean(cpu), max(queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--load-only", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load(args.projects)
    settle()
    if args.load_only:
        return
    member = User.objects.get(username="bench0")
    outsider = User.objects.get(username="bench_outsider")
    project = Project.objects.filter(lead_school__code="b000").order_by("id").first()
    with connection.cursor() as cursor:
        settings = ""
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
            jit, page_cost = cursor.fetchone()
            settings = f" (jit {jit}, random_page_cost {page_cost})"
    print(f"{connection.vendor}: {Project.objects.count()} projects{settings}")
    for who, user in (("team school", member), ("outsider", outsider)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        urls = [
            ("index", "/codev/"),
            ("index filtered", f"/codev/?stage=writing&module={project.module_id}"),
            ("index published", "/codev/?stage=published"),
            ("API list", "/api/v1/codev/projects?page_size=50"),
        ]
        if who == "team school":
            urls.append(("workspace", f"/codev/projects/{project.pk}/"))
        for name, url in urls:
            p50, p95, cpu, q = measure(client, url, args.runs)
            print(
                f"  {who:12s} {name:15s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  cpu {cpu:6.1f} ms  queries {q}"
            )


if __name__ == "__main__":
    main()

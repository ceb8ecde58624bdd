"""合备一门课 pages at 100 k projects.

    DATABASE_URL=sqlite:////tmp/codev_bench.db .venv/bin/python bench/codev/bench.py [--projects 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_codev .venv/bin/python bench/codev/bench.py

Migrates the (empty) database, adds 60 schools, five modules and ``--projects`` projects (each
with its draft course, a stage plan, a team of three, a task) by bulk inserts, about 1 % of them
on the measured viewer's own school; then requests in-process (Django test client) the
合备一门课 page, a filtered page, a project workspace and the API list, as a team member and
as an outsider, and prints p50/p95 latency, CPU per request and SQL queries per request.
Not run by the tests.
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
from yiwang.codev.models import Project, StagePlan, Task, TeamMember  # noqa: E402
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
        for i in range(60)
    ]
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
    done = Project.objects.count()
    while done < n:
        size = min(BATCH, n - done)
        leads = [schools[0] if rng.random() < 0.01 else rng.choice(schools[1:]) for _ in range(size)]
        courses = Course.objects.bulk_create(
            [
                Course(
                    title=f"基准课程{done + k}",
                    owner_school=lead,
                    scope="network",
                    module=rng.choice(modules),
                )
                for k, lead in enumerate(leads)
            ]
        )
        projects = Project.objects.bulk_create(
            [
                Project(
                    title=f"基准项目{done + k}",
                    module=c.module,
                    course=c,
                    lead_school=c.owner_school,
                    stage=rng.choice(STAGE_ORDER[:-1]),
                )
                for k, c in enumerate(courses)
            ]
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
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load(args.projects)
    member = User.objects.get(username="bench0")
    outsider = User.objects.get(username="bench7")
    project = Project.objects.filter(lead_school__code="b000").order_by("id").first()
    print(f"{connection.vendor}: {Project.objects.count()} projects")
    for who, user in (("team school", member), ("outsider", outsider)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        urls = [
            ("index", "/codev/"),
            ("index filtered", f"/codev/?stage=writing&module={project.module_id}"),
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

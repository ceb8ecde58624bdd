"""共研一个题 pages at 100 k applications. Not run by the tests.

    DATABASE_URL=sqlite:////tmp/bench_calls.sqlite3 nice -n 5 .venv/bin/python bench/calls/bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_calls nice -n 5 .venv/bin/python bench/calls/bench.py

Migrates an empty database and loads the demo (network, faculty, research, classes, reviews,
calls), then bulk-inserts ``--rows`` applications over 100 calls of ten issuing schools (every
state; two team members and two budget lines each; home schools over the whole network); every
granted one (a sixth) gets its research project and three milestones, every third project a
咨政报告 with one or two 批示. The measured call of 广州市委党校 also gets two submitted review
sheets per application in review. Then requests in-process (Django test client) the main pages
and API lists as ``gz-staff`` (the research office of the issuing school of a tenth of all rows)
and ``gz-panyu-t1`` (a district teacher), printing p50/p95 wall time, CPU per request
(``time.process_time``) and SQL queries per request.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classes"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.calls.enums import ApplicationStatus, MilestoneKind, MilestoneStatus, TeamRole  # noqa: E402
from yiwang.calls.models import (  # noqa: E402
    AdvisoryReport,
    Application,
    BudgetLine,
    Milestone,
    ResearchCall,
    TeamMember,
)
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.network.demo import DemoLog  # noqa: E402
from yiwang.network.models import School  # noqa: E402
from yiwang.research.enums import LeaderLevel, OutputKind, ProjectStatus  # noqa: E402
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject  # noqa: E402
from yiwang.reviews.enums import SheetStatus  # noqa: E402
from yiwang.reviews.models import ReviewSheet, Rubric  # noqa: E402

DEMO = ["network", "faculty", "research", "classes", "reviews", "calls"]
BATCH = 5000
S = ApplicationStatus
STATES = [
    (S.DRAFT, 10),
    (S.HOME_REVIEW, 8),
    (S.OFFICE_CHECK, 8),
    (S.RETURNED, 3),
    (S.IN_REVIEW, 25),
    (S.GRANTED, 17),
    (S.NOT_GRANTED, 20),
    (S.INELIGIBLE, 5),
    (S.WITHDRAWN, 4),
]
BENCH_TITLE = "基准课题申报批次"


def ensure_demo() -> None:
    if "calls_researchcall" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if ResearchCall.objects.exclude(title__startswith=BENCH_TITLE).exists():
        return
    from importlib import import_module

    log = DemoLog(lambda text: None)
    for name in DEMO:
        import_module(f"yiwang.{name}.demo").load(scale=0, log=log)


def _calls(now) -> list[ResearchCall]:
    have = list(ResearchCall.objects.filter(title__startswith=BENCH_TITLE).order_by("id"))
    if have:
        return have
    gz = School.objects.get(code="gz")
    issuers = [gz, *School.objects.exclude(pk=gz.pk).filter(level="city").order_by("code")[:9]]
    rubric = Rubric.objects.filter(owner_school=gz).first()
    calls = []
    for i in range(100):
        year = 2020 + i % 8
        closes = now - timedelta(days=30 + 3 * i)
        calls.append(
            ResearchCall(
                owner_school=issuers[i % len(issuers)],
                scope="system" if i % 3 else "network",
                title=f"{BENCH_TITLE}{i:03d}（{year}年度）",
                kind=["think_tank", "party_base", "annual_key"][i % 3],
                year=year,
                funding_pool=Decimal("99999999"),
                per_project_cap=Decimal("50"),
                opens_at=closes - timedelta(days=60),
                closes_at=closes if i % 10 else now + timedelta(days=20),
                published_at=closes - timedelta(days=61),
                results_published_at=closes + timedelta(days=20) if i % 4 == 0 else None,
                rubric=rubric,
            )
        )
    return ResearchCall.objects.bulk_create(calls)


def load(n: int) -> None:
    have = Application.objects.filter(call__title__startswith=BENCH_TITLE).count()
    if have >= n:
        return
    rng = random.Random(20261202)
    now = timezone.now()
    calls = _calls(now)
    teachers = list(
        Teacher.objects.filter(is_active=True, user__isnull=False)
        .select_related("owner_school")
        .order_by("id")
    )
    others = list(Teacher.objects.filter(is_active=True).order_by("id").values_list("pk", flat=True))
    states, weights = zip(*STATES, strict=True)
    gz_call = calls[0]
    rubric = gz_call.rubric
    from django.contrib.contenttypes.models import ContentType

    app_type = ContentType.objects.get_for_model(Application)
    reviewer = User.objects.get(username="gz-staff")
    gz = School.objects.get(code="gz")
    done = have
    while done < n:
        size = min(BATCH, n - done)
        rows = []
        for k in range(size):
            i = done + k
            principal = teachers[rng.randrange(len(teachers))]
            status = rng.choices(states, weights)[0]
            budget = Decimal(rng.randrange(2, 40))
            rows.append(
                Application(
                    call=calls[i % len(calls)],
                    call_school_id=calls[i % len(calls)].owner_school_id,
                    applicant_id=principal.user_id,
                    principal=principal,
                    home_school_id=principal.owner_school_id,
                    title=f"基准课题{i}：基层治理与城乡融合发展研究",
                    summary="以实地调研为基础，形成咨政报告。",
                    budget_total=budget,
                    status=status,
                    submitted_at=None if status == S.DRAFT else now - timedelta(days=40, minutes=i),
                    granted_amount=budget if status == S.GRANTED else None,
                )
            )
        apps = Application.objects.bulk_create(rows)
        members, lines, projects, granted = [], [], [], []
        for a in apps:
            members.append(
                TeamMember(
                    application=a,
                    call_id=a.call_id,
                    teacher_id=a.principal_id,
                    role=TeamRole.PRINCIPAL,
                    confirmed_at=now,
                )
            )
            other = others[rng.randrange(len(others))]
            if other != a.principal_id:
                members.append(
                    TeamMember(application=a, call_id=a.call_id, teacher_id=other, confirmed_at=now)
                )
            half = (a.budget_total / 2).quantize(Decimal("0.01"))
            lines.append(BudgetLine(application=a, category="travel", amount=half, position=1))
            lines.append(
                BudgetLine(application=a, category="materials", amount=a.budget_total - half, position=2)
            )
            if a.status == S.GRANTED:
                start = date(a.call.year, 3, 1)
                projects.append(
                    ResearchProject(
                        owner_school_id=a.home_school_id,
                        scope="network",
                        title=a.title,
                        level="municipal",
                        category="think_tank",
                        principal_investigator_id=a.principal_id,
                        funding=a.budget_total,
                        start_date=start,
                        end_date=start + timedelta(days=365),
                        status=rng.choice(
                            [
                                ProjectStatus.APPROVED,
                                ProjectStatus.ONGOING,
                                ProjectStatus.ONGOING,
                                ProjectStatus.CONCLUDED,
                                ProjectStatus.TERMINATED,
                            ]
                        ),
                    )
                )
                granted.append(a)
        TeamMember.objects.bulk_create(members)
        BudgetLine.objects.bulk_create(lines)
        projects = ResearchProject.objects.bulk_create(projects)
        milestones, outputs, output_apps = [], [], []
        today = timezone.localdate()
        for a, p in zip(granted, projects, strict=True):
            a.project = p
            for j, kind in enumerate(
                [MilestoneKind.PROPOSAL, MilestoneKind.MIDTERM, MilestoneKind.FINAL], start=1
            ):
                due = today + timedelta(days=rng.randrange(-200, 200) + 60 * j)
                milestones.append(
                    Milestone(
                        application=a,
                        kind=kind,
                        due_on=due,
                        status=MilestoneStatus.PASSED
                        if p.status == ProjectStatus.CONCLUDED
                        else rng.choice(
                            [MilestoneStatus.PENDING, MilestoneStatus.SUBMITTED, MilestoneStatus.PASSED]
                        ),
                    )
                )
            if p.pk % 3 == 0:
                outputs.append(
                    ResearchOutput(
                        owner_school_id=p.owner_school_id,
                        scope="network",
                        kind=OutputKind.ADVISORY,
                        title=f"关于{a.title}的咨政建议",
                        published_on=p.start_date + timedelta(days=200),
                        venue="市委政策研究室",
                        project=p,
                    )
                )
                output_apps.append(a)
        Application.objects.bulk_update(granted, ["project"])
        Milestone.objects.bulk_create(milestones)
        outputs = ResearchOutput.objects.bulk_create(outputs)
        ResearchOutput.authors.through.objects.bulk_create(
            [
                ResearchOutput.authors.through(researchoutput_id=o.pk, teacher_id=a.principal_id)
                for o, a in zip(outputs, output_apps, strict=True)
            ]
        )
        AdvisoryReport.objects.bulk_create(
            [
                AdvisoryReport(
                    output=o, application=a, submitted_level="municipal", submitted_to="市委政策研究室"
                )
                for o, a in zip(outputs, output_apps, strict=True)
            ]
        )
        levels = LeaderLevel.values
        endorsements = []
        for o, a in zip(outputs, output_apps, strict=True):
            for j in range(1 + o.pk % 2):
                endorsements.append(
                    Endorsement(
                        output=o,
                        leader_level=levels[(o.pk + j) % len(levels)],
                        endorsed_on=o.published_on + timedelta(days=30),
                        evidence="endorsements/bench.pdf",
                        evidence_name="批示.pdf",
                        verifier_school_id=a.call.owner_school_id,
                        verified_at=now if j == 0 or o.pk % 5 else None,
                    )
                )
        Endorsement.objects.bulk_create(endorsements)
        if rubric is not None:
            ReviewSheet.objects.bulk_create(
                [
                    ReviewSheet(
                        subject_type=app_type,
                        subject_id=a.pk,
                        rubric=rubric,
                        reviewer=reviewer if j == 0 else None,
                        reviewer_name=f"评审专家{j}",
                        reviewer_school=gz if j == 0 else None,
                        status=SheetStatus.SUBMITTED,
                        total=Decimal(rng.randrange(6000, 9800)) / 100,
                        submitted_at=now,
                    )
                    for a in apps
                    if a.call_id == gz_call.pk and a.status in (S.IN_REVIEW, S.GRANTED, S.NOT_GRANTED)
                    for j in range(2)
                ]
            )
        done += size
        print(f"  {done} applications", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, runs: int) -> dict:
    response = client.get(url)  # warm
    assert response.status_code == 200, (url, response.status_code)
    walls, cpus, queries = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            walls.append((time.perf_counter() - w0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
        queries.append(len(captured.captured_queries))
        assert response.status_code == 200, (url, response.status_code)
    walls.sort()
    return {
        "url": url,
        "p50": statistics.median(walls),
        "p95": walls[max(int(len(walls) * 0.95) - 1, 0)],
        "cpu": statistics.median(cpus),
        "queries": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="measure only URLs containing this text")
    parser.add_argument("--load-only", action="store_true", help="load the rows, measure nothing")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    t0 = time.perf_counter()
    ensure_demo()
    load(args.rows)
    print(f"load {time.perf_counter() - t0:.0f} s")
    if args.load_only:
        return
    gz_call = ResearchCall.objects.filter(title__startswith=BENCH_TITLE).order_by("id").first()
    panyu = User.objects.get(username="gz-panyu-t1")
    panyu_app = Application.objects.filter(applicant=panyu).order_by("-id").first()
    viewers = {
        "gz-staff": [
            "/calls/",
            "/calls/list/",
            f"/calls/{gz_call.pk}/",
            f"/calls/{gz_call.pk}/review-ranking/",
            "/calls/overdue/",
            "/calls/ranking/",
            "/calls/ranking/?by=teacher",
            "/calls/ranking/?by=call",
            "/api/v1/calls/calls",
            f"/api/v1/calls/applications?call={gz_call.pk}",
            "/api/v1/calls/applications",
            "/api/v1/calls/ranking",
            "/api/v1/calls/counts",
        ],
        "gz-panyu-t1": [
            "/calls/",
            "/calls/list/",
            f"/calls/{gz_call.pk}/",
            "/calls/overdue/",
            "/calls/ranking/",
            "/api/v1/calls/calls",
            "/api/v1/calls/applications",
            *([f"/calls/applications/{panyu_app.pk}/"] if panyu_app else []),
        ],
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    print(
        f"{connection.vendor}: {Application.objects.count()} applications, "
        f"{TeamMember.objects.count()} team members, {BudgetLine.objects.count()} budget lines, "
        f"{ResearchProject.objects.count()} projects, {Milestone.objects.count()} milestones, "
        f"{AdvisoryReport.objects.count()} advisory reports, {Endorsement.objects.count()} 批示; "
        f"measured call: {gz_call.applications.count()} applications; load average {os.getloadavg()}"
    )
    for username, urls in viewers.items():
        client = Client()
        client.force_login(
            User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
        for url in urls:
            if args.only and args.only not in url:
                continue
            r = measure(client, url, args.runs)
            print(
                f"{username:<12} {r['url']:<44} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms"
                f"  CPU {r['cpu']:6.1f} ms  {r['queries']:3d} queries",
                flush=True,
            )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())

"""Cost as the network grows (issue 12 part 6): CPU per request of the main pages at each size.

    DEBUG=false DATABASE_URL=sqlite:////work/main/data/bench/growth.sqlite3 \
        nice -n 5 .venv/bin/python bench/growth/grow.py [--sizes 28:100000,300:300000,2000:1000000]
        [--rounds 10] [--out docs/performance/growth-sqlite.json]
    .venv/bin/python bench/growth/plot.py docs/performance/growth-sqlite.json    # the SVG plot

Each size is ``SCHOOLS:ITEMS``. The database named by ``DATABASE_URL`` (empty, or one this
script grew before: it only ever adds) gets the demo network, then at each size is grown to
that many schools and that many bank items — teachers 10 %, topics 81 %, courses, research
projects and research outputs 3 % each — plus class sessions (10 % of the items). The rows come
from the other benchmarks' generators, imported, not copied: ``bench/banks/generate.py``
(teachers, topics and their links, raw inserts), ``bench/banks/lists.py`` (courses and research
through the banks' batch services) and ``bench/classes/calendar_bench.py`` (classes and
sessions). Only the schools are made here (no other benchmark adds schools): new city schools,
each followed by nine county schools under it. New teachers and topics are indexed for search
in batches (``search.services.index_items``, the code the import path runs after commit),
courses and research by the services' own index hook; then the planner statistics are
refreshed as an import does (``core.db.refresh_planner_statistics``).

At each size it requests, in-process (Django test client, the full middleware stack), every page
of ``PAGES`` as a district teacher (``gz-panyu-t1``) and as a city school's staff (``gz-admin``):
one warm-up request, one counted for its SQL statements, then ``--rounds`` timed requests (wall
and ``time.process_time``, so the CPU figure stays meaningful on a shared machine). Results go
to a JSON file (one row per size × user × page, merged with what the file already holds) and a
CSV beside it. Not run by the tests.
"""

import argparse
import csv
import importlib.util
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
for folder in ("classes", "banks", "search"):
    sys.path.insert(0, str(BENCH / folder))
# The code under test: this tree's src/, or a snapshot (``BENCH_SRC=/tmp/head/src`` from
# ``git archive HEAD src | tar -x -C /tmp/head``) so work in progress elsewhere in the tree stays out.
sys.path.insert(0, str(Path(os.environ.get("BENCH_SRC", ROOT / "src")).resolve()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()


def _load(name: str, path: Path):
    """Import another benchmark's module by path (several are called ``generate.py``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


banks_generate = _load("bench_banks_generate", BENCH / "banks" / "generate.py")
banks_lists = _load("bench_banks_lists", BENCH / "banks" / "lists.py")
calendar_bench = _load("bench_classes_calendar", BENCH / "classes" / "calendar_bench.py")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.classes.models import Session  # noqa: E402
from yiwang.core.db import refresh_planner_statistics  # noqa: E402
from yiwang.courses.models import Course  # noqa: E402
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.network.enums import SchoolLevel  # noqa: E402
from yiwang.network.models import School  # noqa: E402
from yiwang.research.models import ResearchOutput, ResearchProject  # noqa: E402
from yiwang.search.documents import SOURCE_BY_MODEL  # noqa: E402
from yiwang.search.models import SearchDocument  # noqa: E402
from yiwang.search.segmentation import segmenter  # noqa: E402
from yiwang.search.services import index_items  # noqa: E402
from yiwang.topics.models import Topic  # noqa: E402

DEFAULT_SIZES = "28:100000,300:300000,2000:1000000"
USERS = ("gz-panyu-t1", "gz-admin")
SHARES = {"teachers": 0.10, "topics": 0.81, "each_of_courses_projects_outputs": 0.03}
SESSION_SHARE = 0.10
INDEX_BATCH = 2000
PROVINCES = ["广东省", "广西壮族自治区", "湖南省", "江西省", "福建省", "四川省", "贵州省", "云南省"]
SEARCH_WORDS = ["乡村振兴", "基层治理", "数字经济"]


def pages(detail_pk: int) -> dict[str, str]:
    """The main pages: name → URL (the topic detail is a demo topic both users can see)."""
    return {
        "home": "/",
        "faculty list": "/faculty/",
        "topic list": "/topics/",
        "topic list ?q=": "/topics/?q={word}",
        "course list ?q=": "/courses/?q={word}",
        "course list": "/courses/",
        "research list": "/research/",
        "topic detail": f"/topics/{detail_pk}/",
        "class schedule": "/classes/",
        "search API": "/api/v1/search?q={word}",
        "school board": "/dashboards/boards/school/gz/",
    }


# ---- growing ----------------------------------------------------------------------------------


def grow_schools(target: int) -> int:
    """Add schools up to ``target``: a new city school, then nine county schools under it."""
    existing = School.objects.count()
    last = (
        School.objects.filter(code__startswith="grow-")
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    made, base = 0, int(last.removeprefix("grow-")) + 1 if last else 0
    parent = School.objects.filter(code__startswith="grow-", level=SchoolLevel.CITY).order_by("-code").first()
    rows = []
    for n in range(existing, target):
        number = base + n - existing
        province = PROVINCES[number % len(PROVINCES)]
        if number % 10 == 0 or parent is None:
            parent = School(
                code=f"grow-{number:05d}",
                name=f"中共增长测试第{number:05d}号市委党校",
                short_name=f"测{number:05d}",
                level=SchoolLevel.CITY,
                province=province,
                city=f"测试市{number // 10:04d}",
            )
            parent.save()
        else:
            rows.append(
                School(
                    code=f"grow-{number:05d}",
                    name=f"中共增长测试第{number:05d}号县委党校",
                    short_name=f"测{number:05d}",
                    level=SchoolLevel.COUNTY,
                    province=province,
                    city=parent.city,
                    parent=parent,
                )
            )
        made += 1
        if len(rows) >= 500 or n == target - 1:
            School.objects.bulk_create(rows)
            rows = []
    return made


def _index_new(model, after_pk: int) -> int:
    """Index the rows of ``model`` with a primary key above ``after_pk`` that have no index entry
    yet, in batches (so a run stopped half-way is finished by the next one)."""
    source, seg, done = SOURCE_BY_MODEL[model], segmenter(), 0
    indexed = SearchDocument.objects.filter(doc_type=source.doc_type).values("object_id")
    pks = list(
        source.queryset()
        .filter(pk__gt=after_pk)
        .exclude(pk__in=indexed)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pks), INDEX_BATCH):
        done += index_items(source, pks[start : start + INDEX_BATCH], seg)
    return done


def grow(schools: int, items: int, log) -> dict:
    """Grow the database to ``schools`` schools and about ``items`` bank items. Returns the counts."""
    started = time.perf_counter()
    added = grow_schools(schools)
    log(f"schools: +{added} ({time.perf_counter() - started:.0f} s)")
    teachers = max(0, round(items * SHARES["teachers"]) - Teacher.objects.count())
    topics = max(0, round(items * SHARES["topics"]) - Topic.objects.count())
    # every row above the demo's that has no index entry (rows a stopped run added are indexed too)
    last_teacher = last_topic = 0
    if topics:
        teachers = max(teachers, 1)  # the generator picks each topic's teacher among the new ones
    if teachers or topics:
        banks_generate.generate(teachers, topics, seed=7 + items)
    log(f"teachers +{teachers}, topics +{topics} ({time.perf_counter() - started:.0f} s)")
    indexed = _index_new(Teacher, last_teacher) + _index_new(Topic, last_topic)
    log(f"indexed {indexed} new teachers and topics ({time.perf_counter() - started:.0f} s)")
    banks_lists.seed(round(items * SHARES["each_of_courses_projects_outputs"]), index=True)
    log(f"courses and research ({time.perf_counter() - started:.0f} s)")
    sessions = max(0, round(items * SESSION_SHARE) - Session.objects.count())
    calendar_bench.add_sessions(sessions)
    log(f"sessions +{sessions} ({time.perf_counter() - started:.0f} s)")
    refresh_planner_statistics()
    counts = {
        "schools": School.objects.count(),
        "teachers": Teacher.objects.count(),
        "topics": Topic.objects.count(),
        "courses": Course.objects.count(),
        "projects": ResearchProject.objects.count(),
        "outputs": ResearchOutput.objects.count(),
        "sessions": Session.objects.count(),
    }
    counts["items"] = sum(counts[k] for k in ("teachers", "topics", "courses", "projects", "outputs"))
    counts["grow_seconds"] = round(time.perf_counter() - started, 1)
    return counts


# ---- measuring --------------------------------------------------------------------------------


def measure(username: str, urls: dict[str, str], rounds: int) -> list[dict]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    rows = []
    for page, pattern in urls.items():
        url_of = [pattern.format(word=w) for w in SEARCH_WORDS]
        response = client.get(url_of[0])  # warm-up (a board's first view fills its cache)
        if response.status_code != 200:
            print(f"  {username} {page}: HTTP {response.status_code}, skipped", flush=True)
            continue
        statements: list[str] = []

        def counting(execute, sql, params, many, context, sink=statements):
            sink.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            client.get(url_of[0])
        wall, cpu = [], []
        for n in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url_of[n % len(url_of)])
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (page, response.status_code)
        row = {
            "user": username,
            "page": page,
            "url": pattern,
            "cpu_ms": round(statistics.median(cpu), 2),
            "cpu_ms_mean": round(statistics.mean(cpu), 2),
            "wall_ms_p50": round(statistics.median(wall), 2),
            "wall_ms_p95": round(banks_lists.percentile(wall, 95), 2),
            "queries": len(statements),
        }
        print(
            f"  {username:12} {page:15} cpu={row['cpu_ms']:7.1f} ms wall p50={row['wall_ms_p50']:7.1f} "
            f"p95={row['wall_ms_p95']:7.1f} ms queries={row['queries']}",
            flush=True,
        )
        rows.append(row)
    return rows


def _detail_pk() -> int:
    """A published demo topic shared with the whole network (so both users can open it)."""
    return (
        Topic.objects.filter(status="published", scope="network")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def write(out: Path, results: list[dict]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with out.with_suffix(".csv").open("w", newline="", encoding="utf-8") as handle:
        fields = list(results[0]) if results else []
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(results)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="SCHOOLS:ITEMS,… (ascending)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--out", default=str(ROOT / "docs" / "performance" / f"growth-{connection.vendor}.json")
    )
    args = parser.parse_args()
    out = Path(args.out)
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []

    def log(text: str) -> None:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)

    call_command("migrate", verbosity=0)
    if not School.objects.filter(code="gz").exists():
        with open(os.devnull, "w") as quiet:
            call_command("demo", "--quiet", stdout=quiet)
    for size in args.sizes.split(","):
        schools, items = (int(part) for part in size.split(":"))
        log(f"growing to {schools} schools, {items} items")
        counts = grow(schools, items, log)
        load = os.getloadavg()
        log(f"{counts}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        measured = []
        for username in USERS:
            measured += measure(username, pages(_detail_pk()), args.rounds)
        stamp = {
            "vendor": connection.vendor,
            "size_schools": schools,
            "size_items": items,
            **{k: v for k, v in counts.items() if k != "grow_seconds"},
            "load": round((load[0] + os.getloadavg()[0]) / 2, 1),
            "measured_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        }
        results = [r for r in results if (r["size_schools"], r["size_items"]) != (schools, items)]
        results += [{**stamp, **row} for row in measured]
        write(out, results)
        log(f"wrote {out}")


if __name__ == "__main__":
    main()

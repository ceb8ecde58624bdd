"""Generate the search benchmark data set and build the index, timing the build.

    DATABASE_URL=sqlite:////work/main/data/bench/search.sqlite3 \
        .venv/bin/python bench/search/generate.py --topics 1000000 --teachers 100000 --research 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_search .venv/bin/python bench/search/generate.py ...

Rows are bulk-inserted straight into the bank tables (no services, no per-row
index hook), then ``search.services.rebuild_index`` builds the index — the same
code as ``yiwang search rebuild``. Prints one JSON line with the timings.
"""

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

import django  # noqa: E402

django.setup()

from corpus import Corpus  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from yiwang.core.demo_names import unique_names  # noqa: E402
from yiwang.faculty.models import Teacher  # noqa: E402
from yiwang.faculty.services import name_pinyin  # noqa: E402
from yiwang.network.demo import DemoLog  # noqa: E402
from yiwang.network.demo import load as load_network  # noqa: E402
from yiwang.network.enums import SharingScope  # noqa: E402
from yiwang.network.models import Alliance, School, SupportPartnership  # noqa: E402
from yiwang.research.enums import OutputKind, ProjectCategory, ProjectLevel, ProjectStatus  # noqa: E402
from yiwang.research.models import ResearchMember, ResearchOutput, ResearchProject  # noqa: E402
from yiwang.topics.enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm  # noqa: E402
from yiwang.topics.models import Topic, TopicAudience  # noqa: E402

BATCH = 5000
SCOPES = (
    [SharingScope.NETWORK] * 10
    + [SharingScope.SYSTEM] * 5
    + [SharingScope.PARTNERS] * 2
    + [SharingScope.SCHOOL] * 2
    + [SharingScope.PUBLIC]
)


def _names(count: int) -> list[str]:
    """Many fictional names: unique_names gives at most a few tens of thousands, so suffix repeats."""
    base = unique_names(min(count, 20000), seed=7)
    return [base[i % len(base)] for i in range(count)]


def _bulk(model, rows) -> list:
    created = []
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            created += model.objects.bulk_create(rows[start : start + BATCH])
    return created


def _shared(model, field: str, items, rng, alliances, partnerships) -> None:
    through_a = model.shared_alliances.through
    through_p = model.shared_partnerships.through
    a_rows, p_rows = [], []
    item_field = model._meta.get_field("shared_alliances").m2m_field_name()
    for item in items:
        if item.scope != SharingScope.PARTNERS:
            continue
        if rng.random() < 0.6:
            a_rows.append(through_a(**{f"{item_field}_id": item.pk, "alliance_id": rng.choice(alliances)}))
        else:
            p_rows.append(
                through_p(**{f"{item_field}_id": item.pk, "supportpartnership_id": rng.choice(partnerships)})
            )
    _bulk(through_a, a_rows)
    _bulk(through_p, p_rows)


def generate(*, topics: int, teachers: int, research: int, seed: int = 2026) -> dict:
    corpus = Corpus(seed)
    rng = corpus.rng
    load_network(scale=0, log=DemoLog())
    schools = list(School.objects.values_list("pk", flat=True))
    alliances = list(Alliance.objects.values_list("pk", flat=True))
    partnerships = list(SupportPartnership.objects.values_list("pk", flat=True))
    counts = {}

    teacher_rows = []
    for name in _names(teachers):
        full, initials = name_pinyin(name)
        teacher_rows.append(
            Teacher(
                owner_school_id=rng.choice(schools),
                scope=rng.choice(SCOPES),
                name=name,
                name_pinyin=full,
                name_initials=initials,
                expertise=corpus.expertise(),
                department=corpus.department(),
                bio=corpus.text((1, 2)),
                is_active=rng.random() < 0.97,
            )
        )
    created_teachers = _bulk(Teacher, teacher_rows)
    _shared(Teacher, "shared_alliances", created_teachers, rng, alliances, partnerships)
    teacher_ids = [t.pk for t in created_teachers]
    counts["teachers"] = len(teacher_ids)

    categories, forms = DisciplineCategory.values, TeachingForm.values
    audiences = [a for a in Audience.values if a != Audience.OTHER]
    done = 0
    while done < topics:
        n = min(50000, topics - done)
        rows = [
            Topic(
                owner_school_id=rng.choice(schools),
                scope=rng.choice(SCOPES),
                title=corpus.title(),
                summary=corpus.text((2, 4)),
                outline=corpus.text((0, 2)),
                keywords=corpus.keywords(),
                category=rng.choice(categories),
                form=rng.choice(forms),
                status=PublicationStatus.PUBLISHED
                if rng.random() < 0.9
                else rng.choice([PublicationStatus.DRAFT, PublicationStatus.RETIRED]),
            )
            for _ in range(n)
        ]
        created = _bulk(Topic, rows)
        _shared(Topic, "shared_alliances", created, rng, alliances, partnerships)
        through = Topic.teachers.through
        _bulk(through, [through(topic_id=t.pk, teacher_id=rng.choice(teacher_ids)) for t in created])
        _bulk(
            TopicAudience,
            [TopicAudience(topic_id=t.pk, audience=a) for t in created for a in rng.sample(audiences, 2)],
        )
        done += n
        print(f"topics {done}", flush=True)
    counts["topics"] = done

    projects = research // 2
    statuses = [
        ProjectStatus.ONGOING,
        ProjectStatus.CONCLUDED,
        ProjectStatus.APPROVED,
        ProjectStatus.APPLYING,
    ]
    project_rows = []
    for _ in range(projects):
        start = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650))
        project_rows.append(
            ResearchProject(
                owner_school_id=rng.choice(schools),
                scope=rng.choice(SCOPES),
                title=corpus.title(),
                level=rng.choice(ProjectLevel.values),
                category=rng.choice(ProjectCategory.values),
                principal_investigator_id=rng.choice(teacher_ids),
                summary=corpus.text((2, 3)),
                keywords=corpus.keywords(),
                start_date=start,
                end_date=start + timedelta(days=730),
                status=rng.choice(statuses),
            )
        )
    created_projects = _bulk(ResearchProject, project_rows)
    _shared(ResearchProject, "shared_alliances", created_projects, rng, alliances, partnerships)
    _bulk(
        ResearchMember,
        [
            ResearchMember(project_id=p.pk, teacher_id=p.principal_investigator_id, role="principal")
            for p in created_projects
        ],
    )
    output_rows = [
        ResearchOutput(
            owner_school_id=rng.choice(schools),
            scope=rng.choice(SCOPES),
            kind=rng.choice(OutputKind.values),
            title=corpus.title(),
            abstract=corpus.text((2, 4)),
            keywords=corpus.keywords(),
            venue=corpus.venue(),
            published_on=date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650)),
        )
        for _ in range(research - projects)
    ]
    created_outputs = _bulk(ResearchOutput, output_rows)
    _shared(ResearchOutput, "shared_alliances", created_outputs, rng, alliances, partnerships)
    through = ResearchOutput.authors.through
    _bulk(
        through,
        [through(researchoutput_id=o.pk, teacher_id=rng.choice(teacher_ids)) for o in created_outputs],
    )
    counts["projects"], counts["outputs"] = len(created_projects), len(created_outputs)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=1_000_000)
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--research", type=int, default=200_000)
    parser.add_argument("--skip-generate", action="store_true", help="only rebuild the index")
    parser.add_argument("--no-index", action="store_true", help="only generate the rows")
    parser.add_argument(
        "--workers", type=int, default=0, help="rebuild processes (default: one per core, ≤ 4)"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    result = {"vendor": connection.vendor}
    if not args.skip_generate:
        started = time.monotonic()
        result["rows"] = generate(topics=args.topics, teachers=args.teachers, research=args.research)
        result["generate_seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.no_index:
        return
    from yiwang.search.services import default_workers, rebuild_index

    started = time.monotonic()
    result["workers"] = args.workers or default_workers()
    result["indexed"] = rebuild_index(
        batch_size=2000, progress=lambda text: print(text, flush=True), workers=result["workers"]
    )
    result["index_build_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

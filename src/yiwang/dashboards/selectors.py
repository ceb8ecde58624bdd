"""Read-only aggregates for leaders.

Every count is taken over the banks' own list selectors, so a dashboard number is
exactly the number of rows the viewer would find in that bank's list (same sharing
scope, same status rules: drafts and retired items of other schools never count).
"""

from django.db.models import Count

from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.models import School
from yiwang.research.selectors import outputs_visible_to, projects_visible_to, school_ranking
from yiwang.topics.selectors import topics_visible_to

BANKS = [
    ("teachers", "师资", teachers_visible_to),
    ("topics", "讲题", topics_visible_to),
    ("courses", "课程", courses_visible_to),
    ("projects", "科研课题", projects_visible_to),
    ("outputs", "科研成果", outputs_visible_to),
]


def _bare(qs):
    """The same rows without ordering, prefetches or annotations: cheap to count and group."""
    return qs.order_by().prefetch_related(None)


def bank_totals(viewer) -> list[dict]:
    return [
        {"key": key, "label": label, "count": _bare(select(viewer)).count()} for key, label, select in BANKS
    ]


def items_per_school(viewer, limit: int = 20) -> list[dict]:
    """Visible teachers, topics and courses per owner school, largest first."""
    totals: dict[int, dict] = {}
    for key, _label, select in BANKS[:3]:
        rows = _bare(select(viewer)).values("owner_school").annotate(n=Count("pk", distinct=True))
        for row in rows:
            entry = totals.setdefault(row["owner_school"], {"teachers": 0, "topics": 0, "courses": 0})
            entry[key] = row["n"]
    names = dict(School.objects.filter(pk__in=totals).values_list("pk", "short_name"))
    result = [
        {"school": names.get(pk, "?"), **counts, "total": sum(counts.values())}
        for pk, counts in totals.items()
    ]
    result.sort(key=lambda r: (-r["total"], r["school"]))
    return result[:limit]


def endorsement_ranking(viewer, limit: int = 10) -> list[dict]:
    """Schools ranked by verified endorsements on outputs the viewer may see."""
    return school_ranking(viewer, limit=limit)


def verified_endorsements(viewer) -> int:
    return sum(row["total"] for row in school_ranking(viewer, limit=10_000))

"""Read-only aggregates for leaders. Every count goes through the visibility rule."""

from django.db.models import Count

from yiwang.courses.models import Course
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.visibility import visible_to
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject
from yiwang.topics.models import Topic

BANKS = [
    ("teachers", "师资", Teacher.objects.filter(is_active=True)),
    ("topics", "讲题", Topic.objects.exclude(status="retired")),
    ("courses", "课程", Course.objects.exclude(status="retired")),
    ("projects", "科研课题", ResearchProject.objects.all()),
    ("outputs", "科研成果", ResearchOutput.objects.all()),
]


def bank_totals(viewer) -> list[dict]:
    return [{"key": key, "label": label, "count": visible_to(qs, viewer).count()} for key, label, qs in BANKS]


def items_per_school(viewer, limit: int = 20) -> list[dict]:
    """Visible topics + teachers + courses per owner school, largest first."""
    totals: dict[int, dict] = {}
    for key, _label, qs in BANKS[:3]:
        rows = visible_to(qs, viewer).values("owner_school").annotate(n=Count("pk", distinct=True))
        for row in rows:
            entry = totals.setdefault(row["owner_school"], {"teachers": 0, "topics": 0, "courses": 0})
            entry[key] = row["n"]
    names = dict(School.objects.filter(pk__in=totals).values_list("pk", "short_name"))
    result = [{"school": names.get(pk, "?"), **counts, "total": sum(counts.values())} for pk, counts in totals.items()]
    result.sort(key=lambda r: (-r["total"], r["school"]))
    return result[:limit]


def verified_endorsements(viewer) -> int:
    outputs = visible_to(ResearchOutput.objects.all(), viewer)
    return Endorsement.objects.filter(output__in=outputs, verified_at__isnull=False).count()

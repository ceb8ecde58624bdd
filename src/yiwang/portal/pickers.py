"""What the search-as-you-type pickers (``core.widgets.PickerWidget``) offer: the first matches
of what the viewer may see, one function per kind, each through the owning app's visibility."""

from django.db.models import Q

from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.visibility import visible_to
from yiwang.sites.selectors import sites_visible_to
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.models import Topic

LIMIT = 20


def _school_filter(qs, params, field: str = "owner_school_id"):
    school = params.get("school", "")
    return qs.filter(**{field: int(school)}) if school.isdigit() else qs


def teachers(viewer, q: str, params) -> list[tuple[int, str]]:
    qs = visible_to(Teacher.objects.filter(is_active=True), viewer).select_related("owner_school")
    qs = _school_filter(qs, params)
    latin = q.replace(" ", "").lower()
    match = Q(name__contains=q)
    if latin.isascii() and latin.isalpha():
        match |= Q(name_pinyin__startswith=latin)
    rows = qs.filter(match).order_by("name_pinyin", "id")[:LIMIT]
    return [
        (t.pk, f"{t.name}（{t.owner_school.short_name}{' · ' + t.department if t.department else ''}）")
        for t in rows
    ]


def topics(viewer, q: str, params) -> list[tuple[int, str]]:
    qs = visible_to(Topic.objects.filter(status=PublicationStatus.PUBLISHED), viewer).select_related(
        "owner_school"
    )
    rows = _school_filter(qs, params).filter(title__contains=q).order_by("title", "id")[:LIMIT]
    return [(t.pk, f"{t.title}（{t.owner_school.short_name}）") for t in rows]


def schools(viewer, q: str, params) -> list[tuple[int | str, str]]:
    """Schools by name, short name or code; ``by=code`` (a list's school filter) offers codes, not ids."""
    rows = (
        School.objects.filter(is_active=True)
        .filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q.lower()))
        .order_by("code")[:LIMIT]
    )
    if params.get("by") == "code":
        return [(s.code, s.name) for s in rows]
    return [(s.pk, s.name) for s in rows]


def sites(viewer, q: str, params) -> list[tuple[int, str]]:
    qs = sites_visible_to(viewer, active_only=True)
    rows = _school_filter(qs, params).filter(name__contains=q).order_by("name", "id")[:LIMIT]
    return [(s.pk, f"{s.name}（{s.owner_school.short_name}）") for s in rows]


KINDS = {"teacher": teachers, "topic": topics, "school": schools, "site": sites}

"""Reads on the school network."""

from django.db.models import Count, Prefetch, Q

from yiwang.core.errors import DomainError

from .enums import SchoolLevel
from .models import Alliance, AllianceMembership, Membership, School, SupportPartnership


def owner_school_filter(school) -> dict:
    """A filter on ``owner_school`` for a School, its id or its code."""
    if hasattr(school, "pk"):
        return {"owner_school_id": school.pk}
    if isinstance(school, int) or str(school).isdigit():
        return {"owner_school_id": int(school)}
    return {"owner_school__code": school}


def active_schools():
    """Active schools by code, loaded lean (for choice lists)."""
    return School.objects.filter(is_active=True).order_by("code").only("id", "code", "short_name", "name")


def schools_overview():
    return (
        School.objects.filter(parent__isnull=True, is_active=True)
        .prefetch_related(
            Prefetch("branches", queryset=School.objects.filter(is_active=True).order_by("code"))
        )
        .order_by("province", "code")
    )


LEVEL_ORDER = {SchoolLevel.PROVINCE: 0, SchoolLevel.CITY: 1, SchoolLevel.COUNTY: 2}


def schools_by_province() -> list[dict]:
    """The network overview: top schools grouped by province, then level (省级 → 市级 → 县区级).

    Provinces with more schools come first (the municipal network's own province leads); inside a
    level, schools with more branches first, so a municipal school with its district branches
    leads its province.
    """
    schools = list(schools_overview())
    counts: dict[str, int] = {}
    for school in schools:
        counts[school.province] = counts.get(school.province, 0) + 1 + len(school.branches.all())
    groups: dict[str, dict[str, list]] = {}
    for school in sorted(
        schools,
        key=lambda s: (
            -counts[s.province],
            s.province,
            LEVEL_ORDER.get(s.level, 9),
            -len(s.branches.all()),
            s.code,
        ),
    ):
        groups.setdefault(school.province, {}).setdefault(school.get_level_display(), []).append(school)
    return [
        {"province": province, "count": counts[province], "levels": list(levels.items())}
        for province, levels in groups.items()
    ]


def alliances_with_members():
    return (
        Alliance.objects.select_related("lead_school")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=AllianceMembership.objects.select_related("school").order_by(
                    "joined_on", "school__code"
                ),
            )
        )
        .annotate(member_count=Count("memberships"))
    )


def partnerships_of(school: School | None = None):
    qs = SupportPartnership.objects.select_related("supporter", "supported")
    if school is not None:
        qs = qs.filter(Q(supporter=school) | Q(supported=school))
    return qs


def school_people(school: School):
    return (
        Membership.objects.filter(school=school, is_active=True)
        .select_related("user")
        .order_by("-is_school_admin", "user__full_name")
    )


def alliances_of(school: School):
    return Alliance.objects.filter(memberships__school=school).select_related("lead_school").order_by("name")


def sharing_options_for(school: School):
    """The alliances and partnerships an owner school may pick for the 协作 scope."""
    return alliances_of(school), partnerships_of(school)


def school_by_code(code: str, *, field: str = "school") -> School:
    """The active school with this code, else a Chinese error on ``field``."""
    school = School.objects.filter(code=code, is_active=True).first()
    if school is None:
        raise DomainError(f"未知的学校代码“{code}”。", field=field)
    return school


def resolve_schools(codes, *, field: str) -> list[School]:
    """Active schools by code, in the given order (duplicates dropped); an unknown code is an error."""
    codes = list(dict.fromkeys(codes or []))
    found = {s.code: s for s in School.objects.filter(code__in=codes, is_active=True)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(f"未知的学校代码“{missing[0]}”。", field=field)
    return [found[c] for c in codes]


def resolve_sharing(alliance_ids, partnership_ids) -> dict:
    """Alliance/partnership ids of an API request → ``{"alliances": [...], "partnerships": [...]}``.

    ``None`` leaves its key out (“not changed”); an unknown id is a Chinese error. Whether the
    owner school may pick them is the service's check (``network.services.validate_sharing``)."""
    result = {}
    for key, model, ids, label, field in (
        ("alliances", Alliance, alliance_ids, "联盟", "alliance_ids"),
        ("partnerships", SupportPartnership, partnership_ids, "对口支援关系", "partnership_ids"),
    ):
        if ids is None:
            continue
        found = {o.pk: o for o in model.objects.filter(pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise DomainError(f"编号为 {missing[0]} 的{label}不存在。", field=field)
        result[key] = [found[i] for i in dict.fromkeys(ids)]
    return result

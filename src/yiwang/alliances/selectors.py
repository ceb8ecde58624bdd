"""Reads of alliance spaces and agreements. A space is read only by members of its member schools
(and the platform system admin); public news by anyone. Agreement progress is counted from the
records of the other apps — hosted classes and dispatches (exchanges), visiting seats (classes),
co-built courses (courses), site bookings (sites) — and every number comes with its records."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from yiwang.classes.enums import SignUpStatus
from yiwang.classes.models import SignUp
from yiwang.classes.selectors import classes_visible_to
from yiwang.core.errors import NotFoundError
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course
from yiwang.courses.selectors import courses_visible_to
from yiwang.exchanges.enums import RequestStatus
from yiwang.exchanges.models import Dispatch, HostedTraining
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.context import viewer_context
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, AllianceMembership, School, SupportPartnership
from yiwang.network.rules import staff_school_ids
from yiwang.research.selectors import projects_visible_to
from yiwang.sites.enums import HOLDING_STATUSES
from yiwang.sites.models import Booking
from yiwang.sites.selectors import sites_visible_to
from yiwang.topics.selectors import topics_visible_to

from . import rules
from .enums import ResolutionStatus, TargetMetric
from .models import Agreement, AgreementTarget, ChairTerm, Meeting, MemberContact, NewsPost, Resolution, Space

SPACE_RELATED = ("alliance__lead_school", "partnership__supporter", "partnership__supported")


# -- spaces -----------------------------------------------------------------------------------


def space_q(viewer, prefix: str = "") -> Q:
    """Spaces (or rows of a space, with ``prefix`` such as ``"space__"``) the viewer may read."""
    ctx = viewer_context(viewer)
    if ctx.sees_everything:
        return Q()
    if not ctx.authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}alliance_id__in": ctx.alliance_ids}) | Q(
        **{f"{prefix}partnership_id__in": ctx.partnership_ids}
    )


def spaces_visible_to(viewer) -> QuerySet[Space]:
    return Space.objects.filter(space_q(viewer)).select_related(*SPACE_RELATED)


def access_space(viewer, pk) -> Space:
    try:
        return spaces_visible_to(viewer).get(pk=pk)
    except (Space.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def groups_of(viewer) -> tuple[list[Alliance], list[SupportPartnership]]:
    """The alliances and support partnerships the viewer's schools belong to (all for the system admin)."""
    ctx = viewer_context(viewer)
    alliances = Alliance.objects.select_related("lead_school").annotate(member_count=Count("memberships"))
    partnerships = SupportPartnership.objects.select_related("supporter", "supported")
    if not ctx.sees_everything:
        alliances = alliances.filter(pk__in=ctx.alliance_ids)
        partnerships = partnerships.filter(pk__in=ctx.partnership_ids)
    spaces = dict(Space.objects.filter(alliance__in=alliances).values_list("alliance_id", "pk"))
    pspaces = dict(Space.objects.filter(partnership__in=partnerships).values_list("partnership_id", "pk"))
    alliances = list(alliances.order_by("name"))
    partnerships = list(partnerships.order_by("supporter__code", "supported__code"))
    for a in alliances:
        a.space_id = spaces.get(a.pk)
    for p in partnerships:
        p.space_id = pspaces.get(p.pk)
    return alliances, partnerships


def space_overview(viewer, space: Space) -> dict:
    """Everything the alliance page shows, each part read once: members and contacts, the schools
    the viewer acts for, the chair (current term and latest terms, one read) and whether the viewer
    manages the space, mechanisms, latest meetings, resolutions with the overdue count (one query),
    news and the shared items of every bank (one query)."""
    members = members_of(space)
    schools = {m["school"].pk: m["school"] for m in members}
    mine = rules.staff_member_school_ids(viewer, space, member_ids=schools)
    chair, terms = chair_terms_of(space)
    managers = rules.manager_school_ids(space, chair_school_id=chair.school_id if chair else None)
    resolutions, overdue_count = resolutions_with_overdue_count(viewer, space)
    news = news_visible_to(viewer, space=space).select_related(None).select_related("school")
    return {
        "members": members,
        "my_schools": sorted((schools[pk] for pk in mine), key=lambda s: s.code),
        "can_manage": bool(set(mine) & managers),
        "chair": chair,
        "chair_terms": terms,
        "mechanisms": list(space.mechanisms.all()),
        "meetings": recent_meetings(space),
        "resolutions": resolutions,
        "overdue_count": overdue_count,
        "news": list(news.prefetch_related(None)[:10]),
        "shared": shared_items(viewer, space),
    }


def can_create_agreement(viewer) -> bool:
    """Whether the viewer may register an agreement: staff of the lead school of one of their
    alliances or of the supporter of one of their partnerships (the same groups as ``groups_of``),
    asked with ``EXISTS`` — at most two small queries, none when the viewer is no staff."""
    mine = staff_school_ids(viewer)
    if not mine:
        return False
    ctx = viewer_context(viewer)
    alliances = Alliance.objects.filter(lead_school_id__in=mine)
    partnerships = SupportPartnership.objects.filter(supporter_id__in=mine)
    if not ctx.sees_everything:
        alliances = alliances.filter(pk__in=ctx.alliance_ids)
        partnerships = partnerships.filter(pk__in=ctx.partnership_ids)
    return alliances.exists() or partnerships.exists()


def members_of(space: Space) -> list[dict]:
    """Member schools with their contact person (协调联络)."""
    if space.alliance_id:
        schools = [
            m.school
            for m in AllianceMembership.objects.filter(alliance_id=space.alliance_id)
            .select_related("school")
            .order_by("joined_on", "school__code")
        ]
    else:
        schools = [space.partnership.supporter, space.partnership.supported]
    contacts = {c.school_id: c for c in MemberContact.objects.filter(space=space)}
    return [{"school": s, "contact": contacts.get(s.pk)} for s in schools]


def current_chair(space: Space, today: date | None = None) -> ChairTerm | None:
    today = today or timezone.localdate()
    return (
        ChairTerm.objects.filter(space=space, starts_on__lte=today, ends_on__gte=today)
        .select_related("school")
        .first()
    )


def chair_terms_of(space: Space, today: date | None = None, recent: int = 6) -> tuple[ChairTerm | None, list]:
    """The current chair term and the ``recent`` latest terms, from one read. Terms never overlap
    (``services.add_chair_term``), so the current one is the latest that has started; only when
    every listed term starts after today (more future terms than listed) is it read on its own."""
    today = today or timezone.localdate()
    terms = list(space.chair_terms.select_related("school").order_by("-starts_on", "-id")[:recent])
    started = [t for t in terms if t.starts_on <= today]
    if started:
        return (started[0] if started[0].ends_on >= today else None), terms
    return (current_chair(space, today) if len(terms) == recent else None), terms


def meetings_of(space: Space) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(space=space)
        .select_related("host_school")
        .prefetch_related(Prefetch("attendee_schools", queryset=School.objects.order_by("code")))
        .order_by("-held_on", "-id")
    )


def recent_meetings(space: Space, limit: int = 10) -> list[Meeting]:
    """The latest meetings, each with its number of resolutions (a subquery counted for these rows
    only) and ``has_minutes``; the long texts (agenda, attendees, minutes) are not read."""
    per_meeting = (
        Resolution.objects.filter(meeting=OuterRef("pk")).order_by().values("meeting").annotate(n=Count("pk"))
    )
    return list(
        Meeting.objects.filter(space=space)
        .select_related("host_school")
        .defer("agenda", "attendees", "minutes")
        .annotate(
            resolution_count=Coalesce(Subquery(per_meeting.values("n")), 0),
            has_minutes=~Q(minutes=""),
        )
        .order_by("-held_on", "-id")[:limit]
    )


def access_meeting(viewer, pk) -> Meeting:
    try:
        return (
            Meeting.objects.filter(space_q(viewer, "space__"))
            .select_related("host_school", *(f"space__{r}" for r in SPACE_RELATED))
            .prefetch_related("attendee_schools")
            .get(pk=pk)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def with_overdue(qs: QuerySet, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return qs.annotate(
        is_overdue=Q(status=ResolutionStatus.OPEN, due_on__lt=today),
    )


def resolutions_with_overdue_count(viewer, space: Space, limit: int = 50) -> tuple[list, int]:
    """The space's first ``limit`` resolutions (the list's order) and how many of all are overdue,
    from one query: the overdue count is an uncorrelated subquery the database computes once."""
    overdue = (
        resolutions_visible_to(viewer, space=space, overdue=True)
        .order_by()
        .values("space_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        resolutions_visible_to(viewer, space=space).annotate(
            overdue_total=Coalesce(Subquery(overdue, output_field=IntegerField()), 0)
        )[:limit]
    )
    return rows, (rows[0].overdue_total if rows else 0)


def resolutions_visible_to(
    viewer, *, space=None, status: str = "", overdue: bool = False, year=None
) -> QuerySet:
    """Resolutions of the spaces the viewer reads; ``status`` open/done; ``overdue``: open and past due."""
    today = timezone.localdate()
    qs = Resolution.objects.filter(space_q(viewer, "space__")).select_related("owner_school", "meeting")
    if space is not None:
        qs = qs.filter(space=space)
    if status in ResolutionStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=ResolutionStatus.OPEN, due_on__lt=today)
    if year:
        qs = qs.filter(meeting__held_on__year=year)
    return with_overdue(qs, today).order_by("status", "due_on", "id")


def access_resolution(viewer, pk) -> Resolution:
    try:
        return (
            resolutions_visible_to(viewer).select_related(*(f"space__{r}" for r in SPACE_RELATED)).get(pk=pk)
        )
    except (Resolution.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


# -- news -------------------------------------------------------------------------------------


def public_news() -> QuerySet[NewsPost]:
    """News marked public, for everyone (no sign-in needed)."""
    return (
        NewsPost.objects.filter(is_public=True)
        .select_related("school", *(f"space__{r}" for r in SPACE_RELATED))
        .prefetch_related("images")
        .order_by("-published_at", "-id")
    )


def news_visible_to(viewer, *, space=None) -> QuerySet[NewsPost]:
    """News the viewer may read: public news, and every news of the spaces the viewer belongs to."""
    qs = NewsPost.objects.filter(Q(is_public=True) | space_q(viewer, "space__"))
    if space is not None:
        qs = qs.filter(space=space)
    return (
        qs.select_related("school", *(f"space__{r}" for r in SPACE_RELATED))
        .prefetch_related("images")
        .order_by("-published_at", "-id")
    )


def access_news(viewer, pk) -> NewsPost:
    try:
        return news_visible_to(viewer).get(pk=pk)
    except (NewsPost.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def news_search_text(news: NewsPost) -> dict:
    """The fields search would index for a news post (public news: scope 公开, else the space's members)."""
    return {"title": news.title, "keywords": news.space.name, "body": news.body}


# -- 信息共通: the alliance's shared items of every bank ------------------------------------------

SHARED_LIMIT = 8


def shared_items(viewer, space: Space) -> list[dict]:
    """Per bank: the items shared (协作) with this alliance / partnership that the viewer sees,
    the first few and how many there are."""
    if space.alliance_id:
        wanted = {"scope": SharingScope.PARTNERS, "shared_alliances": space.alliance_id}
    else:
        wanted = {"scope": SharingScope.PARTNERS, "shared_partnerships": space.partnership_id}
    banks = [
        ("师资库", teachers_visible_to(viewer), "name", "faculty:detail"),
        ("讲题库", topics_visible_to(viewer), "title", "topics:detail"),
        ("课程库", courses_visible_to(viewer), "title", "courses:detail"),
        ("科研信息库", projects_visible_to(viewer), "title", "research:detail"),
        ("班次", classes_visible_to(viewer), "name", "classes:class_detail"),
        ("现场教学基地", sites_visible_to(viewer), "name", "sites:detail"),
    ]
    # One query for every bank: per bank the latest SHARED_LIMIT + 1 visible ids (a LIMIT subquery),
    # their three columns and the bank's number, joined with UNION ALL (no model rows, none of the
    # banks' own prefetches). SQLite takes no LIMIT inside a compound SELECT, but inside IN it does.
    parts = [
        qs.model.objects.filter(
            pk__in=qs.filter(**wanted).prefetch_related(None).order_by("-id").values("pk")[: SHARED_LIMIT + 1]
        )
        .order_by()
        .values_list("pk", title_field, "owner_school__short_name", Value(n, output_field=IntegerField()))
        for n, (_, qs, title_field, _) in enumerate(banks)
    ]
    found: dict[int, list] = {n: [] for n in range(len(banks))}
    for pk, title, school, n in parts[0].union(*parts[1:], all=True).order_by():
        found[n].append((pk, title, school))
    result = []
    for n, (label, _, _, url_name) in enumerate(banks):
        rows = sorted(found[n], key=lambda row: row[0], reverse=True)
        items = [
            {"title": title, "school": school, "url": reverse(url_name, args=[pk])}
            for pk, title, school in rows[:SHARED_LIMIT]
        ]
        result.append({"bank": label, "items": items, "more": len(rows) > SHARED_LIMIT})
    return result


# -- agreements and their self-counting progress ------------------------------------------------


def agreement_q(viewer) -> Q:
    ctx = viewer_context(viewer)
    if ctx.sees_everything:
        return Q()
    if not ctx.authenticated:
        return Q(pk__in=[])
    return Q(alliance_id__in=ctx.alliance_ids) | Q(partnership_id__in=ctx.partnership_ids)


AGREEMENT_RELATED = ("alliance__lead_school", "partnership__supporter", "partnership__supported")


def agreements_visible_to(viewer, *, year: int | None = None) -> QuerySet[Agreement]:
    qs = Agreement.objects.filter(agreement_q(viewer)).select_related(*AGREEMENT_RELATED)
    if year:
        qs = qs.filter(starts_on__year__lte=year, ends_on__year__gte=year)
    return qs.order_by("-starts_on", "id")


def access_agreement(viewer, pk) -> Agreement:
    try:
        return agreements_visible_to(viewer).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


@dataclass
class Record:
    on: date
    label: str
    url: str = ""


@dataclass
class Progress:
    target: AgreementTarget
    count: int
    records: list[Record] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.count / self.target.target)) if self.target.target else 0

    @property
    def met(self) -> bool:
        return self.count >= self.target.target


ACCEPTED = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)


def party_school_ids(agreement: Agreement) -> set[int]:
    return rules.member_school_ids(agreement)


@dataclass(frozen=True)
class Metric:
    """How one target metric counts: ``rows()`` are the records that count between any schools,
    ``pair(ids, year)`` keeps those between two schools of ``ids`` in ``year``, ``reads`` turns a
    row into ``(from, to, day, title, url)``. ``tally*`` is what the counts aggregate over (the rows
    themselves, or for co-built courses the course–co-school links, counted once a course)."""

    rows: Callable[[], QuerySet]
    pair: Callable[[list[int], int], Q]
    reads: Callable
    related: tuple[str, ...]
    order: tuple[str, ...]
    tally_rows: Callable[[], QuerySet] | None = None
    tally_pair: Callable[[list[int], int], Q] | None = None
    tally_field: str = "pk"


def _course_co_schools():
    return Course.co_schools.through.objects.filter(
        course__status__in=[CourseStatus.PUBLISHED, CourseStatus.FEATURED]
    )


METRICS = {
    TargetMetric.HOSTED_CLASSES: Metric(
        rows=lambda: HostedTraining.objects.filter(request__status__in=ACCEPTED),
        pair=lambda ids, year: Q(host_school_id__in=ids, guest_school_id__in=ids, start_date__year=year),
        reads=lambda h: (
            h.guest_school,
            h.host_school,
            h.start_date,
            h.request.title,
            reverse("exchanges:request_detail", args=[h.request_id]),
        ),
        related=("host_school", "guest_school", "request"),
        order=("start_date", "id"),
    ),
    # The dispatch's own copies of the two schools: no join of the requests to count.
    TargetMetric.DISPATCHES: Metric(
        rows=lambda: Dispatch.objects.filter(request__status__in=ACCEPTED),
        pair=lambda ids, year: Q(from_school_id__in=ids, to_school_id__in=ids, starts_at__year=year),
        reads=lambda d: (
            d.to_school,
            d.from_school,
            timezone.localtime(d.starts_at).date(),
            f"{d.topic_title}" + (f"（{d.teacher.name}）" if d.teacher_id else ""),
            reverse("exchanges:request_detail", args=[d.request_id]),
        ),
        related=("from_school", "to_school", "teacher"),
        order=("starts_at", "id"),
    ),
    TargetMetric.VISITING_SEATS: Metric(
        rows=lambda: SignUp.objects.filter(status=SignUpStatus.CONFIRMED).exclude(
            home_school_id=F("session__training_class__owner_school_id")
        ),
        pair=lambda ids, year: Q(
            home_school_id__in=ids,
            session__training_class__owner_school_id__in=ids,
            session__date__year=year,
        ),
        reads=lambda s: (
            s.session.training_class.owner_school,
            s.home_school,
            s.session.date,
            s.session.title,
            reverse("classes:session_detail", args=[s.session_id]),
        ),
        related=("home_school", "session__training_class__owner_school"),
        order=("session__date", "id"),
    ),
    TargetMetric.CO_BUILT_COURSES: Metric(
        rows=lambda: (
            Course.objects.filter(status__in=[CourseStatus.PUBLISHED, CourseStatus.FEATURED])
            .distinct()
            .prefetch_related("co_schools")
        ),
        pair=lambda ids, year: Q(owner_school_id__in=ids, co_schools__in=ids, created_at__year=year),
        reads=lambda c, schools=(): (
            c.owner_school,
            next((s for s in c.co_schools.all() if s.pk in schools), c.owner_school),
            timezone.localtime(c.created_at).date(),
            c.title,
            reverse("courses:detail", args=[c.pk]),
        ),
        related=("owner_school",),
        order=("created_at", "id"),
        tally_rows=_course_co_schools,
        tally_pair=lambda ids, year: Q(
            course__owner_school_id__in=ids, school_id__in=ids, course__created_at__year=year
        ),
        tally_field="course_id",
    ),
    # ``owner_school`` is the booking's copy of the site's owner: no join to count.
    TargetMetric.SITE_BOOKINGS: Metric(
        rows=lambda: Booking.objects.filter(status__in=HOLDING_STATUSES),
        pair=lambda ids, year: Q(owner_school_id__in=ids, requesting_school_id__in=ids, starts_at__year=year),
        reads=lambda b: (
            b.owner_school,
            b.requesting_school,
            timezone.localtime(b.starts_at).date(),
            f"{b.site.name}，{b.group_size} 人",
            reverse("sites:booking_detail", args=[b.pk]),
        ),
        related=("site", "owner_school", "requesting_school"),
        order=("starts_at", "id"),
    ),
}


def _metric_rows(metric: str, schools: set[int], year: int):
    """The records that count for ``metric`` in ``year`` between two different party schools, as
    ``(queryset, how each row reads: row -> (from, to, day, title, url))``; ``None`` for no metric."""
    spec = METRICS.get(metric)
    if spec is None:
        return None
    qs = (
        spec.rows().filter(spec.pair(list(schools), year)).select_related(*spec.related).order_by(*spec.order)
    )
    if metric == TargetMetric.CO_BUILT_COURSES:
        return qs, partial(spec.reads, schools=schools)
    return qs, spec.reads


def _tally(metric: str, wanted: list[tuple[int, list[int], int]]) -> dict[int, int]:
    """One query for every ``(key, school ids, year)`` of one metric: a filtered count each."""
    spec = METRICS[metric]
    pair = spec.tally_pair or spec.pair
    rows = (spec.tally_rows or spec.rows)()
    union = sorted({pk for _, ids, _ in wanted for pk in ids})
    years = Q()
    for year in sorted({year for _, _, year in wanted}):
        years |= pair(union, year)
    distinct = spec.tally_rows is not None
    found = (
        rows.filter(years)
        .order_by()
        .aggregate(
            **{
                f"t{key}": Count(spec.tally_field, distinct=distinct, filter=pair(ids, year))
                for key, ids, year in wanted
            }
        )
    )
    return {key: found[f"t{key}"] for key, _, _ in wanted}


def agreements_progress(agreements: list[Agreement], year: int | None = None) -> dict[int, list[Progress]]:
    """The counted progress of every target (of ``year``, or all years) of ``agreements``, without
    records: a fixed number of queries whatever the number of agreements, targets and records —
    the targets, the alliances' members, and one query a metric with a filtered count a target."""
    if not agreements:
        return {}
    members: dict[int, set[int]] = {}
    alliance_ids = {a.alliance_id for a in agreements if a.alliance_id}
    for alliance_id, school_id in AllianceMembership.objects.filter(alliance_id__in=alliance_ids).values_list(
        "alliance_id", "school_id"
    ):
        members.setdefault(alliance_id, set()).add(school_id)
    schools = {
        a.pk: members.get(a.alliance_id, set())
        if a.alliance_id
        else {a.partnership.supporter_id, a.partnership.supported_id}
        for a in agreements
    }
    targets = AgreementTarget.objects.filter(agreement__in=agreements).order_by(
        "agreement_id", "year", "metric"
    )
    if year:
        targets = targets.filter(year=year)
    targets = list(targets)
    wanted: dict[str, list] = {}
    for t in targets:
        if t.metric in METRICS:
            wanted.setdefault(t.metric, []).append((t.pk, sorted(schools[t.agreement_id]), t.year))
    counts: dict[int, int] = {}
    for metric, asked in wanted.items():
        counts.update(_tally(metric, asked))
    result: dict[int, list[Progress]] = {a.pk: [] for a in agreements}
    for t in targets:
        result[t.agreement_id].append(Progress(t, counts.get(t.pk, 0), []))
    return result


RECORD_LIMIT = 200  # records listed under one target on the agreement page (the count is exact)


def agreement_progress(
    viewer, agreement: Agreement, year: int | None = None, *, records: int = RECORD_LIMIT
) -> list[Progress]:
    """Each target of the agreement (of ``year``, or all years) with its counted progress and its
    first ``records`` records (0: counts only, as the agreement list shows). Titles and links only
    for records the viewer's schools are part of."""
    if not records:
        return agreements_progress([agreement], year)[agreement.pk]
    schools = party_school_ids(agreement)
    mine = set(staff_school_ids(viewer)) | set(viewer_context(viewer).school_ids)
    targets = agreement.targets.all().order_by("year", "metric")
    if year:
        targets = targets.filter(year=year)
    result = []
    for target in targets:
        found = _metric_rows(target.metric, schools, target.year)
        if found is None:
            result.append(Progress(target, 0, []))
            continue
        qs, reads = found
        listed = []
        for row in qs[:records]:
            a, b, day, title, url = reads(row)
            if {a.pk, b.pk} & mine:
                listed.append(Record(day, f"{a.short_name}→{b.short_name}：{title}", url))
            else:
                listed.append(Record(day, f"{a.short_name}→{b.short_name}（其他成员之间的记录）"))
        count = len(listed) if len(listed) < records else qs.order_by().count()
        result.append(Progress(target, count, listed))
    return result


# -- counts for the dashboards ------------------------------------------------------------------


def meetings_counts(viewer, year: int | None = None) -> dict:
    """Meetings of the spaces the viewer reads: total and by kind."""
    qs = Meeting.objects.filter(space_q(viewer, "space__"))
    if year:
        qs = qs.filter(held_on__year=year)
    by_kind = dict(qs.order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {"total": sum(by_kind.values()), "by_kind": by_kind}


def resolution_completion(viewer, year: int | None = None) -> dict:
    """Resolutions the viewer reads: total, done, open, overdue and the completion rate (0–1)."""
    qs = resolutions_visible_to(viewer, year=year).order_by()
    today = timezone.localdate()
    total = qs.count()
    done = qs.filter(status=ResolutionStatus.DONE).count()
    overdue = qs.filter(status=ResolutionStatus.OPEN, due_on__lt=today).count()
    return {
        "total": total,
        "done": done,
        "open": total - done,
        "overdue": overdue,
        "rate": round(done / total, 3) if total else None,
    }


def agreement_progress_counts(viewer, year: int) -> list[dict]:
    """Per visible agreement and metric of ``year``: target and counted progress."""
    rows = []
    agreements = list(agreements_visible_to(viewer, year=year))
    progress = agreements_progress(agreements, year)
    for agreement in agreements:
        for p in progress[agreement.pk]:
            rows.append(
                {
                    "agreement_id": agreement.pk,
                    "agreement": agreement.title,
                    "metric": p.target.metric,
                    "metric_label": p.target.get_metric_display(),
                    "target": p.target.target,
                    "count": p.count,
                }
            )
    return rows

"""Reading requests: the inbox, the outbox, one request — only for the schools involved."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from yiwang.classes.calendar_sources import CalendarEntry
from yiwang.classes.models import Session
from yiwang.core.errors import NotFoundError
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.context import remember
from yiwang.network.rules import staff_school_ids

from .enums import PENDING_STATUSES, RequestKind, RequestStatus
from .models import (
    Dispatch,
    HostedTraining,
    Request,
    RequestAttachment,
    RequestComment,
    RequestEvent,
    Trainee,
)
from .rules import answering_alliance_ids, can_build_hosted_class, involved_filter


def _base() -> QuerySet[Request]:
    return Request.objects.select_related("from_school", "to_school", "to_alliance", "created_by")


def requests_visible_to(viewer) -> QuerySet[Request]:
    if not getattr(viewer, "is_authenticated", False):
        return Request.objects.none()
    return _base().filter(involved_filter(viewer))


def access_request(viewer, request_id) -> Request:
    try:
        return requests_visible_to(viewer).get(pk=request_id)
    except (Request.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def _alliances_with_requests(viewer) -> list[int]:
    """The viewer's answering alliances that have received any request (usually none): only then
    does the inbox need the slower either-school-or-alliance condition."""
    alliances = answering_alliance_ids(viewer)
    if not alliances:
        return []
    return remember(
        viewer,
        "exchanges.alliances_with_requests",
        lambda: list(
            Request.objects.filter(to_alliance_id__in=alliances)
            .values_list("to_alliance_id", flat=True)
            .distinct()
        ),
    )


def inbox_of(viewer, *, kind: str | None = None, pending_only: bool = False) -> QuerySet[Request]:
    """Requests addressed to the viewer's schools (or their alliances, from other schools)."""
    schools = staff_school_ids(viewer)
    if not schools:
        return Request.objects.none()
    received = Q(to_school_id__in=schools)
    alliances = _alliances_with_requests(viewer)
    if alliances:
        received |= Q(to_alliance_id__in=alliances) & ~Q(from_school_id__in=schools)
    qs = _base().filter(received).exclude(status=RequestStatus.DRAFT)
    if kind:
        qs = qs.filter(kind=kind)
    if pending_only:
        qs = qs.filter(status__in=PENDING_STATUSES)
    return qs.order_by("-submitted_at", "-id")


def outbox_of(viewer, *, kind: str | None = None) -> QuerySet[Request]:
    schools = staff_school_ids(viewer)
    if not schools:
        return Request.objects.none()
    qs = _base().filter(from_school_id__in=schools)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def request_thread(request: Request) -> dict:
    """The comments, attachments and event history of one request (three queries)."""
    return {
        "comments": list(RequestComment.objects.filter(request=request).select_related("author", "school")),
        "attachments": list(RequestAttachment.objects.filter(request=request).select_related("school")),
        "events": list(RequestEvent.objects.filter(request=request)),
    }


def access_attachment(viewer, request_id, attachment_id) -> RequestAttachment:
    request = access_request(viewer, request_id)
    try:
        return RequestAttachment.objects.get(pk=attachment_id, request=request)
    except (RequestAttachment.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def waiting_days(request: Request, now=None) -> int | None:
    """How long a submitted request has waited for its answer, in whole days."""
    if request.status not in PENDING_STATUSES or request.submitted_at is None:
        return None
    return ((now or timezone.now()) - request.submitted_at).days


# ---- 师资互派: dispatches and the teacher's conflicts across schools ------------------------------

EVENING_FROM = time(
    17, 0
)  # an engagement ending at or after this hour the day before means travel that evening
ENGAGED_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)


@dataclass(frozen=True)
class Conflict:
    kind: str  # "session" | "dispatch" | "travel"
    message: str


def is_far(city_a: str, province_a: str, city_b: str, province_b: str) -> bool:
    """Two places are far apart when they are in different provinces, or in different cities
    (where both cities are known): the teacher has to travel between them."""
    if province_a and province_b and province_a != province_b:
        return True
    return bool(city_a and city_b and city_a != city_b)


def _span(starts_at, ends_at) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def teacher_conflicts(
    teacher, starts_at, ends_at, *, city: str = "", province: str = "", exclude_dispatch_id=None
) -> list[Conflict]:
    """What stands in the way of ``teacher`` teaching at ``starts_at``–``ends_at`` in ``city``:
    a session anywhere on the network at the same time, another accepted dispatch at the same time,
    or an engagement far away ending the evening before (travel). The messages name times and
    cities only — never another school's class — so nothing leaks to the requesting school."""
    if teacher is None or starts_at is None or ends_at is None:
        return []
    found: list[Conflict] = []
    own_session_ids = set()
    if exclude_dispatch_id:
        own_session_ids = set(
            Dispatch.objects.filter(pk=exclude_dispatch_id, session__isnull=False).values_list(
                "session_id", flat=True
            )
        )
    sessions = (
        Session.objects.filter(
            teacher=teacher, is_cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(pk__in=own_session_ids)
        .order_by("starts_at")
    )
    session_ids = set()
    for s in sessions[:5]:
        session_ids.add(s.pk)
        found.append(Conflict("session", f"{teacher.name}在 {_span(s.starts_at, s.ends_at)} 已有授课安排"))
    dispatches = (
        Dispatch.objects.filter(
            teacher=teacher,
            request__status__in=ENGAGED_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(pk=exclude_dispatch_id)
        .order_by("starts_at")
    )
    for d in dispatches[:5]:
        if d.session_id and d.session_id in session_ids:
            continue
        found.append(
            Conflict(
                "dispatch", f"{teacher.name}在 {_span(d.starts_at, d.ends_at)} 已被派往{d.city or '外校'}授课"
            )
        )
    # Travel: something far away that ends the evening before this starts.
    day = timezone.localtime(starts_at).date()
    evening = datetime.combine(day - timedelta(days=1), EVENING_FROM, tzinfo=timezone.get_default_timezone())
    for d in (
        Dispatch.objects.filter(
            teacher=teacher,
            request__status__in=ENGAGED_STATUSES,
            ends_at__gte=evening,
            ends_at__lte=starts_at,
        )
        .exclude(pk=exclude_dispatch_id)
        .order_by("-ends_at")[:5]
    ):
        if timezone.localtime(d.ends_at).date() != day and is_far(d.city, d.province, city, province):
            found.append(
                Conflict(
                    "travel",
                    f"{teacher.name}前一晚在{d.city or d.province}另有外派任务（{_span(d.starts_at, d.ends_at)}），"
                    f"次日难以赶到{city or province}",
                )
            )
    for s in (
        Session.objects.filter(
            teacher=teacher, is_cancelled=False, ends_at__gte=evening, ends_at__lte=starts_at
        )
        .exclude(pk__in=own_session_ids)
        .select_related("training_class__owner_school")
        .order_by("-ends_at")[:5]
    ):
        school = s.training_class.owner_school
        if timezone.localtime(s.ends_at).date() != day and is_far(
            school.city, school.province, city, province
        ):
            found.append(
                Conflict(
                    "travel",
                    f"{teacher.name}前一晚在{school.city or school.province}有授课安排（{_span(s.starts_at, s.ends_at)}），"
                    f"次日难以赶到{city or province}",
                )
            )
    return found


def dispatch_conflicts(dispatch: Dispatch) -> list[Conflict]:
    return teacher_conflicts(
        dispatch.teacher,
        dispatch.starts_at,
        dispatch.ends_at,
        city=dispatch.city,
        province=dispatch.province,
        exclude_dispatch_id=dispatch.pk,
    )


def _dispatch_base() -> QuerySet[Dispatch]:
    # Related rows are prefetched (a query each), not joined: the list is then sorted on the
    # dispatch rows alone (20 k dispatches of one school: 38 ms with the joins, 12 ms without).
    return Dispatch.objects.prefetch_related(
        Prefetch(
            "request", queryset=Request.objects.select_related("from_school", "to_school", "to_alliance")
        ),
        "teacher",
        "training_class",
        "session",
    )


def dispatches_visible_to(viewer, *, status: str = "", teacher=None) -> QuerySet[Dispatch]:
    """Dispatches of requests the viewer may read (the two schools' staff), plus the viewer's own
    dispatches as the teacher (to confirm them), plus those sent to an alliance of the viewer's
    schools that no member school has taken yet (once taken: the two schools only)."""
    if not getattr(viewer, "is_authenticated", False):
        return Dispatch.objects.none()
    schools = staff_school_ids(viewer)
    sent = Q(is_sent=True)
    cond = Q(pk__in=[])
    if schools:
        cond = Q(from_school_id__in=schools) | (Q(to_school_id__in=schools) & sent)
    alliances = _alliances_with_open_dispatches(viewer)
    if alliances:
        cond |= Q(to_alliance_id__in=alliances, to_school__isnull=True) & sent
    mine = own_teacher_ids(viewer)
    if mine:
        cond |= Q(teacher_id__in=mine) & sent
    qs = _dispatch_base().filter(cond)
    if status:
        qs = qs.filter(request__status=status)
    if teacher is not None:
        qs = qs.filter(teacher=teacher)
    return qs.order_by("-starts_at", "-id")


def _alliances_with_open_dispatches(viewer) -> list[int]:
    """The viewer's answering alliances with a dispatch no member has taken (usually none): only
    then does the dispatch list need the alliance condition (one indexed query, once per request)."""
    alliances = answering_alliance_ids(viewer)
    if not alliances:
        return []
    return remember(
        viewer,
        "exchanges.alliances_with_open_dispatches",
        lambda: list(
            Dispatch.objects.filter(to_alliance_id__in=alliances, to_school__isnull=True)
            .values_list("to_alliance_id", flat=True)
            .distinct()
        ),
    )


def calendar_dispatches(viewer, start, end) -> list[CalendarEntry]:
    """The network calendar's and personal iCal feed's dispatches: accepted (or completed) ones of
    the viewer's schools (either side) or of the viewer as the teacher — the dispatch list's
    visibility — in one query."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    rows = (
        dispatches_visible_to(viewer)
        .filter(request__status__in=ENGAGED_STATUSES, starts_at__lt=hi, ends_at__gt=lo)
        .order_by("starts_at", "id")[:500]
    )
    return [
        CalendarEntry(
            uid=f"dispatch-{d.pk}",
            kind="师资互派",
            title=f"{d.teacher.name if d.teacher else '待定教师'}：{d.topic_title}"
            f"（{d.request.to_school.short_name} → {d.request.from_school.short_name}）",
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            place=d.place or d.city,
            description=f"派出学校：{d.request.to_school.short_name}；请求学校：{d.request.from_school.short_name}",
            url=reverse("exchanges:dispatch_detail", args=[d.pk]),
            updated_at=d.request.updated_at,
            session_id=d.session_id,
        )
        for d in rows
    ]


def own_teacher_ids(viewer) -> list[int]:
    if not getattr(viewer, "is_authenticated", False):
        return []
    return remember(
        viewer,
        "exchanges.own_teachers",
        lambda: list(Teacher.objects.filter(user=viewer).values_list("pk", flat=True)),
    )


def access_dispatch(viewer, pk) -> Dispatch:
    try:
        return dispatches_visible_to(viewer).get(pk=pk)
    except (Dispatch.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def suggest_teachers(viewer, school, need: str, limit: int = 8) -> list[Teacher]:
    """Teachers of ``school`` the viewer sees whose expertise or lecture topics match words of the need
    (a plain match; the ranked network-wide matching lives in search/, above this app)."""
    words = [w for w in re.split(r"[\s,，、;；。/]+", need or "") if len(w) >= 2][:8]
    qs = teachers_visible_to(viewer, school=school)
    if not words:
        return list(qs[:limit])
    cond = Q()
    for word in words:
        cond |= Q(expertise__contains=word) | Q(topics__title__contains=word) | Q(department__contains=word)
    return list(qs.filter(cond).distinct()[:limit])


# ---- 培训互接: hosted training -------------------------------------------------------------------


def _hosting_base() -> QuerySet[HostedTraining]:
    return HostedTraining.objects.select_related(
        "request__to_alliance", "host_school", "guest_school", "training_class"
    )


def hostings_visible_to(viewer, *, role: str = "") -> QuerySet[HostedTraining]:
    """Hosted trainings of requests the viewer may read: the host's and the guest's staff, and —
    while no member school has taken it — the staff of the other members of the alliance asked."""
    if not getattr(viewer, "is_authenticated", False):
        return HostedTraining.objects.none()
    schools = staff_school_ids(viewer)
    qs = _hosting_base().filter(
        Q(host_school__isnull=True) | Q(host_school_id__in=schools) | Q(guest_school_id__in=schools),
        # each training's request checked by its key, not ``request IN (every readable request)``
        # (SQLite built that list of 200 k requests to count a few trainings: 42 ms)
        Exists(Request.objects.filter(involved_filter(viewer), pk=OuterRef("request_id"))),
    )
    if role == "host":
        qs = qs.filter(host_school_id__in=schools)
    elif role == "guest":
        qs = qs.filter(guest_school_id__in=schools)
    return qs.order_by("-start_date", "-id")


def hosted_classes_of(viewer) -> list[HostedTraining]:
    """Accepted hosted trainings whose class the viewer may build (the host's class runners), for
    adding field teaching to them; one query."""

    rows = hostings_visible_to(viewer, role="host").filter(
        request__status=RequestStatus.ACCEPTED, training_class__isnull=False
    )
    return [h for h in rows[:50] if can_build_hosted_class(viewer, h)]


def access_hosting(viewer, pk) -> HostedTraining:
    try:
        return hostings_visible_to(viewer).get(pk=pk)
    except (HostedTraining.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def hosted_plan(hosting: HostedTraining) -> list[Session]:
    """The sessions of the hosted class as the host has built them so far (drafts included: the guest
    school follows the plan live, whatever the class's sharing scope)."""
    if hosting.training_class_id is None:
        return []
    return list(
        Session.objects.filter(training_class_id=hosting.training_class_id)
        .select_related("teacher", "topic")
        .order_by("date", "start_time", "id")
    )


def plan_changed_at(hosting: HostedTraining):
    """When the hosted class or one of its sessions last changed."""
    if hosting.training_class_id is None:
        return None
    latest = Session.objects.filter(training_class_id=hosting.training_class_id).aggregate(
        m=Max("updated_at")
    )["m"]
    changed = hosting.training_class.updated_at
    return max(changed, latest) if latest else changed


def trainee_attendance(hosting: HostedTraining) -> list[dict]:
    """Per trainee: sessions attended and hours (学时) credited."""
    rows = (
        Trainee.objects.filter(hosting=hosting)
        .annotate(sessions=Count("check_ins"), hours=Sum("check_ins__hours"))
        .order_by("id")
    )
    return [
        {
            "trainee": t,
            "sessions": t.sessions,
            "hours": t.hours or Decimal("0"),
        }
        for t in rows
    ]


def session_ratings(hosting: HostedTraining) -> list[dict]:
    """Per session of the hosted class: check-ins, ratings and the average total (out of 100)."""
    if hosting.training_class_id is None:
        return []
    sessions = (
        Session.objects.filter(training_class_id=hosting.training_class_id, is_cancelled=False)
        .select_related("teacher")
        .annotate(
            attended=Count("trainee_check_ins", distinct=True),
            ratings=Count("evaluations", distinct=True),
            average=Avg("evaluations__total"),
        )
        .order_by("date", "start_time", "id")
    )
    return [
        {
            "session": s,
            "attended": s.attended,
            "ratings": s.ratings,
            "average": round(float(s.average), 1) if s.average is not None else None,
        }
        for s in sessions
    ]


# ---- counts for the dashboards (same visibility as the lists) -------------------------------------


def requests_counts(viewer, year: int | None = None) -> dict[str, int]:
    """Requests the viewer may read, by kind (``{kind: n}``, every kind present)."""
    qs = requests_visible_to(viewer)
    if year:
        qs = qs.filter(created_at__year=year)
    counts = dict(qs.order_by().values_list("kind").annotate(n=Count("id")))
    return {kind: counts.get(kind, 0) for kind in RequestKind.values}


def dispatch_counts(viewer, year: int | None = None) -> dict[str, int]:
    """Dispatches the viewer may read: all, accepted (incl. completed), pending."""
    qs = dispatches_visible_to(viewer)
    if year:
        qs = qs.filter(starts_at__year=year)
    return qs.order_by().aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(request__status__in=ENGAGED_STATUSES)),
        pending=Count("id", filter=Q(request__status__in=PENDING_STATUSES)),
    )


def hosting_counts(viewer, year: int | None = None) -> dict[str, int]:
    """Hosted classes the viewer may read: all, accepted (incl. completed), and their trainees."""
    qs = hostings_visible_to(viewer)
    if year:
        qs = qs.filter(start_date__year=year)
    counts = qs.order_by().aggregate(
        total=Count("id", distinct=True),
        accepted=Count("id", filter=Q(request__status__in=ENGAGED_STATUSES), distinct=True),
    )
    counts["trainees"] = Trainee.objects.filter(hosting__in=qs.values("pk")).count()
    return counts

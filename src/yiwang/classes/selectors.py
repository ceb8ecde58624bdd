"""Reads of the open classroom. Every read of classes and sessions goes through
``classes_visible_to`` / ``sessions_visible_to`` (the network's sharing rule,
plus: drafts only for the owner school's class-running staff)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from yiwang.core.errors import NotFoundError
from yiwang.network import rules
from yiwang.network.visibility import visible_q

from .calendar_sources import CalendarEntry, calendar_entries
from .enums import ACTIVE_SIGN_UP_STATUSES, INDICATORS, ClassStatus, SignUpStatus
from .models import CheckIn, Enrolment, Evaluation, Session, SignUp, TrainingClass


def _published_or_own_draft(viewer, prefix: str = "") -> Q:
    condition = ~Q(**{f"{prefix}status": ClassStatus.DRAFT})
    own = rules.class_runner_school_ids(viewer)
    if own:
        condition |= Q(**{f"{prefix}owner_school_id__in": own})
    return condition


def classes_visible_to(viewer) -> QuerySet:
    return TrainingClass.objects.filter(visible_q(TrainingClass, viewer), _published_or_own_draft(viewer))


def sessions_visible_to(viewer) -> QuerySet:
    """Sessions follow their class: visible when the class is."""
    prefix = "training_class__"
    return Session.objects.filter(
        visible_q(TrainingClass, viewer, prefix), _published_or_own_draft(viewer, prefix)
    )


def access_class(viewer, pk) -> TrainingClass:
    try:
        return classes_visible_to(viewer).select_related("owner_school", "head_teacher").get(pk=pk)
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def access_session(viewer, pk) -> Session:
    try:
        return sessions_visible_to(viewer).select_related(*SESSION_RELATED).get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def access_session_for_sign_up(viewer, pk) -> Session:
    """The session with only what a sign-up reads (its class's status), visibility applied."""
    try:
        return sessions_visible_to(viewer).select_related("training_class").get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


SESSION_RELATED = ("training_class", "training_class__owner_school", "teacher", "topic", "module")


# ---- calendar -------------------------------------------------------------------------------


@dataclass
class CalendarFilters:
    school_code: str = ""
    module_id: int | None = None
    form: str = ""
    open_only: bool = False


def calendar_sessions(viewer, start: date, end: date, filters: CalendarFilters | None = None) -> QuerySet:
    """Visible sessions with ``start <= date <= end``, filtered; only published classes."""
    filters = filters or CalendarFilters()
    qs = (
        sessions_visible_to(viewer)
        .filter(date__gte=start, date__lte=end)
        .exclude(training_class__status=ClassStatus.DRAFT)
    )
    if filters.school_code:
        qs = qs.filter(training_class__owner_school__code=filters.school_code)
    if filters.module_id:
        qs = qs.filter(module_id=filters.module_id)
    if filters.form:
        qs = qs.filter(form=filters.form)
    if filters.open_only:
        qs = qs.filter(is_open=True, is_cancelled=False, seats_taken__lt=F("visiting_seats"))
    return qs


def sessions_by_day(qs: QuerySet, per_day: int) -> dict[date, tuple[list[Session], int]]:
    """At most ``per_day`` sessions of each day (earliest first) and each day's total: two queries."""
    ranked = qs.annotate(
        day_rank=Window(
            RowNumber(), partition_by=[F("date")], order_by=[F("start_time").asc(), F("id").asc()]
        )
    )
    rows = list(
        ranked.filter(day_rank__lte=per_day)
        .select_related("training_class__owner_school", "teacher", "module")
        .order_by("date", "start_time", "id")
    )
    totals = dict(qs.order_by().values("date").annotate(n=Count("id")).values_list("date", "n"))
    days: dict[date, tuple[list[Session], int]] = {}
    for session in rows:
        days.setdefault(session.date, ([], totals.get(session.date, 0)))[0].append(session)
    return days


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_grid(day: date) -> tuple[date, date]:
    """First and last day shown in a month view (whole weeks, Monday first)."""
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    last = next_month - timedelta(days=1)
    return week_start(first), week_start(last) + timedelta(days=6)


WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
CALENDAR_VIEWS = ("week", "month", "list")
PER_DAY = {"week": 12, "month": 4}  # sessions shown in one day's cell; the rest behind "还有 N 节"
LIST_DAYS = 30


@dataclass
class CalendarGrid:
    """What one calendar page shows: its window, the neighbouring windows, and either
    ``days`` / ``weeks`` (week and month views) or ``sessions`` (list view, to be paginated)."""

    view: str
    start: date
    end: date
    previous_day: date
    next_day: date
    days: list[dict] = field(default_factory=list)
    weeks: list[list[dict]] = field(default_factory=list)
    sessions: QuerySet | None = None
    entries: list = field(default_factory=list)  # other apps' entries (list view; cells carry their own)


def _no_filters(filters: CalendarFilters | None) -> bool:
    return filters is None or filters == CalendarFilters()


def calendar_grid(viewer, view: str, day: date, filters: CalendarFilters | None = None) -> CalendarGrid:
    """The week (Monday first), month (whole weeks) or 30-day list around ``day``."""
    if view == "list":
        start, end = day, day + timedelta(days=LIST_DAYS)
        sessions = (
            calendar_sessions(viewer, start, end, filters)
            .select_related("training_class__owner_school", "teacher", "module")
            .order_by("date", "start_time", "id")
        )
        entries = calendar_entries(viewer, start, end) if _no_filters(filters) else []
        return CalendarGrid(
            view,
            start,
            end,
            day - timedelta(days=LIST_DAYS),
            end + timedelta(days=1),
            sessions=sessions,
            entries=entries,
        )
    if view == "week":
        start = week_start(day)
        end = start + timedelta(days=6)
        previous_day, next_day = start - timedelta(days=7), start + timedelta(days=7)
    else:
        start, end = month_grid(day)
        first = day.replace(day=1)
        previous_day, next_day = (
            (first - timedelta(days=1)).replace(day=1),
            (first + timedelta(days=32)).replace(day=1),
        )
    by_day = sessions_by_day(calendar_sessions(viewer, start, end, filters), PER_DAY[view])
    # Bookings, dispatches… (other apps' sources), unless the filters are about sessions only.
    entries_by_day: dict[date, list] = {}
    if _no_filters(filters):
        shown = [s.pk for items, _ in by_day.values() for s in items]
        for entry in calendar_entries(viewer, start, end, shown_session_ids=shown):
            entries_by_day.setdefault(entry.date, []).append(entry)
    days = []
    for offset in range((end - start).days + 1):
        current = start + timedelta(days=offset)
        items, total = by_day.get(current, ([], 0))
        entries = entries_by_day.get(current, [])
        days.append(
            {
                "date": current,
                "weekday": WEEKDAYS[current.weekday()],
                "items": items,
                "total": total,
                "more": total - len(items),
                "entries": entries[: PER_DAY[view]],
                "more_entries": max(0, len(entries) - PER_DAY[view]),
                "in_month": current.month == day.month,
            }
        )
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return CalendarGrid(view, start, end, previous_day, next_day, days=days, weeks=weeks)


# ---- schedule building ----------------------------------------------------------------------


@dataclass
class Conflict:
    kind: str  # "teacher" | "place"
    session: Session
    other: Session

    @property
    def message(self) -> str:
        what = f"教师“{self.session.lecturer}”" if self.kind == "teacher" else f"场地“{self.session.place}”"
        return (
            f"{self.session.date:%m月%d日} {self.session.start_time:%H:%M}–{self.session.end_time:%H:%M}"
            f"《{self.session.title}》与《{self.other.title}》（{self.other.training_class.name}，"
            f"{self.other.start_time:%H:%M}–{self.other.end_time:%H:%M}）{what}冲突"
        )


def _overlaps(a: Session, b: Session) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def schedule_conflicts(viewer, training_class: TrainingClass) -> list[Conflict]:
    """The same teacher, or the same room of the same school, twice at once (among sessions ``viewer`` sees)."""
    own = list(training_class.sessions.filter(is_cancelled=False).select_related("teacher", "training_class"))
    if not own:
        return []
    teacher_ids = {s.teacher_id for s in own if s.teacher_id}
    places = {s.place.strip() for s in own if s.place.strip()}
    others = list(
        sessions_visible_to(viewer)
        .filter(date__in={s.date for s in own}, is_cancelled=False)
        .filter(
            Q(teacher_id__in=teacher_ids)
            | Q(training_class__owner_school_id=training_class.owner_school_id, place__in=places)
        )
        .select_related("training_class", "teacher")
    )
    conflicts, seen = [], set()
    for session in own:
        for other in others:
            if other.pk == session.pk or not _overlaps(session, other):
                continue
            pair = frozenset((session.pk, other.pk))
            if (
                session.teacher_id
                and other.teacher_id == session.teacher_id
                and (pair, "teacher") not in seen
            ):
                seen.add((pair, "teacher"))
                conflicts.append(Conflict("teacher", session, other))
            same_place = session.place.strip() and other.place.strip() == session.place.strip()
            if (
                same_place
                and other.training_class.owner_school_id == training_class.owner_school_id
                and (pair, "place") not in seen
            ):
                seen.add((pair, "place"))
                conflicts.append(Conflict("place", session, other))
    return conflicts


# ---- sign-ups, attendance -------------------------------------------------------------------


def my_sign_ups(user) -> QuerySet:
    return (
        SignUp.objects.filter(user=user)
        .select_related(
            "session__training_class__owner_school", "session__teacher", "home_school", "check_in"
        )
        .order_by("-session__starts_at", "-id")
    )


def active_sign_up_of(user, session) -> SignUp | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        SignUp.objects.filter(user=user, session=session, status__in=ACTIVE_SIGN_UP_STATUSES)
        .select_related("check_in")
        .first()
    )


def session_sign_ups(session) -> QuerySet:
    return session.sign_ups.select_related("user", "home_school", "check_in").order_by(
        "status", "waitlist_position", "created_at"
    )


def pending_approvals_for(user) -> QuerySet:
    """Pending sign-ups of the teachers of schools where ``user`` runs classes, for sessions
    not over yet (a request for a past session has nothing left to decide and does not pile up)."""
    return (
        SignUp.objects.filter(
            status=SignUpStatus.PENDING,
            home_school_id__in=rules.class_runner_school_ids(user),
            session__ends_at__gt=timezone.now(),
        )
        .select_related("user", "home_school", "session__training_class__owner_school", "session__teacher")
        .order_by("session__starts_at", "created_at")
    )


def attendance_for(user, start: date | None = None, end: date | None = None) -> QuerySet:
    """Check-ins of teachers whose home school is one where ``user`` runs classes."""
    qs = CheckIn.objects.filter(sign_up__home_school_id__in=rules.class_runner_school_ids(user))
    if start:
        qs = qs.filter(sign_up__session__date__gte=start)
    if end:
        qs = qs.filter(sign_up__session__date__lte=end)
    return qs.select_related(
        "sign_up__user",
        "sign_up__home_school",
        "sign_up__session__training_class__owner_school",
        "sign_up__session__teacher",
    ).order_by("-sign_up__session__starts_at", "sign_up__user__full_name")


def hours_by_person(check_ins: QuerySet) -> list[dict]:
    """Sessions attended and 学时 per person; check-ins of cancelled sessions credit nothing."""
    return list(
        check_ins.filter(sign_up__session__is_cancelled=False)
        .order_by()
        .values("sign_up__user__full_name", "sign_up__user__username", "sign_up__home_school__short_name")
        .annotate(sessions=Count("id"), hours=Sum("hours"))
        .order_by("sign_up__home_school__short_name", "sign_up__user__full_name")
    )


# ---- 评课 roll-ups ---------------------------------------------------------------------------


def counted_evaluations() -> QuerySet:
    """Ratings that count in roll-ups: a cancelled session's ratings are kept, and left out."""
    return Evaluation.objects.filter(session__is_cancelled=False)


def _summary(evaluations: QuerySet) -> dict | None:
    aggregates = {name: Avg(name) for name, _ in INDICATORS}
    row = evaluations.aggregate(count=Count("id"), total=Avg("total"), **aggregates)
    if not row["count"]:
        return None
    return {
        "count": row["count"],
        "total": round(float(row["total"]), 1),
        "indicators": [
            {"name": name, "label": label, "average": round(float(row[name]), 1)}
            for name, label in INDICATORS
        ],
    }


def topic_rating_summary(topic) -> dict | None:
    """{"count", "total" (average out of 100), "indicators": [{name, label, average}]} or None."""
    return _summary(counted_evaluations().filter(session__topic=topic))


def teacher_rating_summary(teacher) -> dict | None:
    return _summary(counted_evaluations().filter(session__teacher=teacher))


def session_rating_summary(session) -> dict | None:
    return _summary(Evaluation.objects.filter(session=session))


def teacher_rating_averages(teacher_ids) -> dict[int, float]:
    """Average total score (out of 100) per teacher that has ratings."""
    rows = (
        counted_evaluations()
        .filter(session__teacher_id__in=list(teacher_ids))
        .values("session__teacher_id")
        .annotate(average=Avg("total"))
        .order_by()
    )
    return {row["session__teacher_id"]: round(float(row["average"]), 1) for row in rows}


def teacher_sessions(viewer, teacher, limit: int = 10) -> list[Session]:
    """Published sessions taught by ``teacher`` that ``viewer`` sees, latest first."""
    return list(
        sessions_visible_to(viewer)
        .filter(teacher=teacher)
        .exclude(training_class__status=ClassStatus.DRAFT)
        .select_related("training_class__owner_school")
        .order_by("-date", "-start_time")[:limit]
    )


def cancellation_effects(session) -> dict:
    """What cancelling ``session`` would do, for its confirmation page: the people notified,
    the check-ins whose 学时 stop counting, the ratings kept but left out of the roll-ups."""
    return {
        "notified": session.sign_ups.filter(status__in=ACTIVE_SIGN_UP_STATUSES).count(),
        "check_ins": CheckIn.objects.filter(sign_up__session=session).count(),
        "evaluations": session.evaluations.count(),
    }


def session_evaluations(session) -> QuerySet:
    return session.evaluations.order_by("-created_at")


# ---- calendar feeds -------------------------------------------------------------------------

FEED_LIMIT = 2000


def feed_entries(token, start: date, end: date, sessions) -> list[CalendarEntry]:
    """Other apps' entries in a personal feed (bookings, dispatches the owner may see now), without
    the sessions the feed already carries. School and teacher feeds carry sessions only."""
    from .enums import FeedKind

    if token.kind != FeedKind.PERSON:
        return []
    return calendar_entries(token.user, start, end, shown_session_ids=[s.pk for s in sessions])


def feed_contents(token, start: date, end: date) -> tuple[str, list[Session], dict[int, str]]:
    """Name, sessions and (person feeds) sign-up statuses of a calendar token's feed,
    limited to what the token's owner may see now."""
    from .enums import FeedKind

    viewer = token.user
    qs = (
        sessions_visible_to(viewer)
        .exclude(training_class__status=ClassStatus.DRAFT)
        .filter(date__gte=start, date__lte=end)
        .select_related("training_class__owner_school", "teacher")
        .order_by("starts_at", "id")
    )
    statuses: dict[int, str] = {}
    if token.kind == FeedKind.PERSON:
        rows = SignUp.objects.filter(user=viewer, status__in=ACTIVE_SIGN_UP_STATUSES).values_list(
            "session_id", "status"
        )
        statuses = dict(rows)
        qs, name = qs.filter(pk__in=list(statuses)), f"{viewer.full_name or viewer.username}的旁听课程"
    elif token.kind == FeedKind.TEACHER:
        qs, name = qs.filter(teacher=token.teacher), f"{token.teacher.name}的授课安排"
    else:
        qs, name = qs.filter(training_class__owner_school=token.school), f"{token.school.short_name}课程表"
    return name, list(qs[:FEED_LIMIT]), statuses


def calendar_tokens_of(user) -> QuerySet:
    return user.calendar_tokens.filter(revoked_at=None).select_related("teacher", "school")


# ---- 整期报名 (programme enrolment) ----------------------------------------------------------


def my_enrolments(user) -> QuerySet:
    return (
        Enrolment.objects.filter(user=user)
        .select_related("training_class__owner_school")
        .order_by("-training_class__start_date", "-id")
    )


def enrolment_of(user, training_class) -> Enrolment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Enrolment.objects.filter(user=user, training_class=training_class)
        .order_by("-status", "-id")  # "enrolled" (已报名) sorts after "cancelled": the active one first
        .first()
    )


@dataclass
class RosterRow:
    enrolment: Enrolment
    attended: list[bool]
    attended_count: int
    hours: object


@dataclass
class Roster:
    sessions: list[Session]
    rows: list[RosterRow]
    counted_sessions: int


def programme_roster(training_class) -> Roster:
    """The roster of a programme with each person's attendance, session by session (three queries:
    sessions, enrolments, check-ins). Cancelled sessions are shown but not counted."""
    sessions = list(training_class.sessions.order_by("starts_at", "id"))
    enrolments = list(
        training_class.enrolments.filter(status="enrolled")
        .select_related("user", "home_school")
        .order_by("home_school__code", "user__full_name", "id")
    )
    checked: dict[int, dict[int, object]] = {}
    for enrolment_id, session_id, hours in CheckIn.objects.filter(
        sign_up__enrolment__in=[e.pk for e in enrolments]
    ).values_list("sign_up__enrolment_id", "sign_up__session_id", "hours"):
        checked.setdefault(enrolment_id, {})[session_id] = hours
    counted = [s for s in sessions if not s.is_cancelled]
    rows = []
    for enrolment in enrolments:
        mine = checked.get(enrolment.pk, {})
        rows.append(
            RosterRow(
                enrolment=enrolment,
                attended=[s.pk in mine for s in sessions],
                attended_count=sum(1 for s in counted if s.pk in mine),
                hours=sum((mine[s.pk] for s in counted if s.pk in mine), start=0),
            )
        )
    return Roster(sessions=sessions, rows=rows, counted_sessions=len(counted))

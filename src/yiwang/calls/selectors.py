"""Reads of 共研一个题. Every read goes through a visibility rule:

- a call: its sharing scope (``network.visibility``), and unpublished calls only to the issuing office;
- an application: its team (the applicant and the teachers on it, by their linked account) —
  a draft to nobody else —; once submitted also the home school's research staff (所在单位) and the
  issuing office; a reviewer reads the blind view of the applications assigned to them only;
- counts, rankings and exports run over the same querysets.
"""

from datetime import timedelta
from decimal import Decimal
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from yiwang.banks import text_filter
from yiwang.core.errors import NotFoundError
from yiwang.core.pagination import counted_page, page_number, paginate
from yiwang.core.validators import clean_query
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.rules import research_staff_school_ids
from yiwang.network.visibility import visible_to
from yiwang.research.enums import LeaderLevel, OutputKind, ProjectStatus
from yiwang.research.models import Endorsement, ResearchOutput
from yiwang.research.selectors import outputs_visible_to
from yiwang.reviews.enums import SheetStatus
from yiwang.reviews.models import ReviewSheet
from yiwang.reviews.selectors import summarise

from .enums import ApplicationStatus, CallPhase, MilestoneStatus
from .models import (
    AdvisoryReport,
    Application,
    BudgetAdjustment,
    BudgetLine,
    Comment,
    Expense,
    ExtensionRequest,
    Milestone,
    ResearchCall,
    ResearchEvent,
    TeamMember,
)

DUE_SOON_DAYS = 14


# -- calls ------------------------------------------------------------------------------------


def call_phase(call: ResearchCall, now=None) -> str:
    """未发布 / 未开始 / 申报中 / 已截止 / 已公布结果 — from the clock: a call closes itself at ``closes_at``."""
    now = now or timezone.now()
    if call.published_at is None:
        return CallPhase.DRAFT
    if call.results_published_at is not None:
        return CallPhase.ANNOUNCED
    if now < call.opens_at:
        return CallPhase.UPCOMING
    if now < call.closes_at:
        return CallPhase.OPEN
    return CallPhase.CLOSED


def calls_visible_to(viewer, *, year=None, q: str = "", phase: str = "", school=None, now=None) -> QuerySet:
    """Calls ``viewer`` may see: by the call's scope, unpublished ones only to the issuing office."""
    now = now or timezone.now()
    qs = visible_to(ResearchCall.objects.select_related("owner_school"), viewer).filter(
        Q(published_at__isnull=False) | Q(owner_school_id__in=research_staff_school_ids(viewer))
    )
    if year:
        qs = qs.filter(year=year)
    if school:
        qs = qs.filter(owner_school_id=getattr(school, "pk", school))
    q = clean_query(q)
    if q:
        qs = _matching_calls(qs, q)
    if phase == CallPhase.OPEN:
        qs = qs.filter(
            published_at__isnull=False,
            results_published_at__isnull=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
    elif phase == CallPhase.UPCOMING:
        qs = qs.filter(published_at__isnull=False, opens_at__gt=now)
    elif phase == CallPhase.CLOSED:
        qs = qs.filter(published_at__isnull=False, results_published_at__isnull=True, closes_at__lte=now)
    elif phase == CallPhase.ANNOUNCED:
        qs = qs.filter(results_published_at__isnull=False)
    elif phase == CallPhase.DRAFT:
        qs = qs.filter(published_at__isnull=True)
    return qs.order_by("-closes_at", "-id")


# ``search.enums.DocumentType.CALL``: the search sits above this app, so the name is spelt here.
CALL_DOCUMENT = "call"


def _matching_calls(qs: QuerySet, q: str) -> QuerySet:
    """The list's text filter through the one search index (``banks.text_filter``). Only published
    calls are indexed, so the issuing office's unpublished drafts keep the substring match."""
    substring = Q(title__contains=q) | Q(description__contains=q)
    return text_filter.apply(qs, CALL_DOCUMENT, q, substring, unindexed=Q(published_at__isnull=True))


def access_call(viewer, pk) -> ResearchCall:
    try:
        return (
            calls_visible_to(viewer)
            .select_related("rubric")
            .prefetch_related("guide_topics", "shared_alliances", "shared_partnerships")
            .get(pk=pk)
        )
    except (ResearchCall.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def calls_for_search(viewer) -> QuerySet:
    """For the one search (search/documents.py SOURCES): the calls the viewer may see."""
    return calls_visible_to(viewer)


def open_calls(viewer, now=None) -> QuerySet:
    return calls_visible_to(viewer, phase=CallPhase.OPEN, now=now).order_by("closes_at", "id")


# -- applications -----------------------------------------------------------------------------


def team_q(viewer) -> Q:
    """The applicant or a teacher on the team: ``pk IN (the viewer's applications UNION ALL their
    team places)`` — one indexed subquery evaluated once, not a correlated EXISTS per application.
    As one ``IN`` (not ``applicant = me OR pk IN (…)``) the database starts from those few ids:
    PostgreSQL cannot use an index for an ``OR`` with a hashed subquery and read all 100 k
    applications for a teacher's list (52 ms → a few)."""
    mine = Application.objects.filter(applicant_id=viewer.pk).values("pk")
    on_team = TeamMember.objects.filter(teacher__user_id=viewer.pk).values("application_id")
    return Q(pk__in=mine.union(on_team, all=True))


def applications_q(viewer) -> Q:
    """The application visibility rule: the team (above) or — submitted ones only — the home
    school's and the issuing school's research staff, through the stored ``call_school`` (the
    ``(call_school, status)`` index, no join on the calls)."""
    if not getattr(viewer, "is_authenticated", False):
        return Q(pk__in=[])
    staff = research_staff_school_ids(viewer)
    condition = team_q(viewer)
    if staff:
        condition |= staff_q(staff)
    return condition


def staff_q(staff) -> Q:
    """The submitted applications the research staff of the schools ``staff`` see: those of an
    applicant from one of them, or answering a call one of them issued."""
    return ~Q(status=ApplicationStatus.DRAFT) & (Q(home_school_id__in=staff) | Q(call_school_id__in=staff))


def team_prefetch() -> Prefetch:
    return Prefetch(
        "team", queryset=TeamMember.objects.select_related("teacher__owner_school").order_by("role", "id")
    )


def applications_visible_to(
    viewer, *, call=None, status: str = "", school=None, q: str = "", year=None, granted: bool | None = None
) -> QuerySet:
    qs = Application.objects.filter(applications_q(viewer)).select_related(
        "call__owner_school", "home_school", "principal", "guide_topic", "project"
    )
    if call is not None:
        qs = qs.filter(call_id=getattr(call, "pk", call))
    if status:
        qs = qs.filter(status=status)
    if school:
        qs = qs.filter(home_school_id=getattr(school, "pk", school))
    if year:
        qs = qs.filter(call__year=year)
    if granted is True:
        qs = qs.filter(status=ApplicationStatus.GRANTED)
    q = clean_query(q)
    if q:
        qs = qs.filter(title__contains=q)
    return qs.order_by("-id")


def _one_of(model, application: Application, pk, path: str):
    """Row ``pk`` of ``model`` that belongs to ``application`` (already access-checked) through
    ``path`` (``"milestone__application"`` …), with its call's school; or not found."""
    found = (
        model.objects.filter(pk=pk, **{path: application})
        .select_related(f"{path}__call__owner_school")
        .first()
    )
    if found is None:
        raise NotFoundError()
    return found


def extension_of(application: Application, pk) -> ExtensionRequest:
    """An extension request of a milestone of ``application``, or not found."""
    return _one_of(ExtensionRequest, application, pk, "milestone__application")


def adjustment_of(application: Application, pk) -> BudgetAdjustment:
    """A budget adjustment of a line of ``application``, or not found."""
    return _one_of(BudgetAdjustment, application, pk, "line__application")


def report_of(application: Application, pk) -> AdvisoryReport:
    """The 报送 record of an advisory report of ``application``, or not found."""
    return _one_of(AdvisoryReport, application, pk, "application")


def access_application(viewer, pk) -> Application:
    try:
        return (
            applications_visible_to(viewer)
            .prefetch_related(team_prefetch(), "budget_lines", "files")
            .get(pk=pk)
        )
    except (Application.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def my_applications(viewer) -> QuerySet:
    if not getattr(viewer, "is_authenticated", False):
        return Application.objects.none()
    # ``pk IN (applicant arm UNION team places)``: two small index arms; an OR with the team
    # subquery made PostgreSQL walk the whole primary key backwards for a viewer with few rows.
    mine = Application.objects.filter(applicant_id=viewer.pk).values("pk")
    on_team = TeamMember.objects.filter(teacher__user_id=viewer.pk).values("application_id")
    return (
        Application.objects.filter(pk__in=mine.union(on_team, all=True))
        .select_related("call", "home_school", "project")
        .order_by("-id")
    )


def pending_confirmations(viewer) -> QuerySet:
    """Team places the viewer has not confirmed yet (成员确认)."""
    if not getattr(viewer, "is_authenticated", False):
        return TeamMember.objects.none()
    return TeamMember.objects.filter(
        teacher__user_id=viewer.pk,
        confirmed_at__isnull=True,
        application__status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED],
    ).select_related("application__call", "application__applicant")


def _queue(**where) -> QuerySet:
    """A queue of the viewer's office. Every row of it passes ``applications_q`` (its arm for a
    submitted application of a staff school), so the rule's other arms are left out: the query
    walks one ``(…_school, status)`` index. The queues show an application's title, call and home
    school: only those are joined (each more join costs PostgreSQL planning time, ≈ 1 ms)."""
    return Application.objects.filter(**where).select_related("call", "home_school").order_by("-id")


def home_queue(viewer) -> QuerySet:
    """Applications waiting for the viewer's school approval (所在单位审核)."""
    return _queue(home_school_id__in=research_staff_school_ids(viewer), status=ApplicationStatus.HOME_REVIEW)


def office_queue(viewer) -> QuerySet:
    """Applications waiting for the viewer's formal check (形式审查)."""
    return _queue(call_school_id__in=research_staff_school_ids(viewer), status=ApplicationStatus.OFFICE_CHECK)


def published_results(call: ResearchCall) -> list[Application]:
    """The 立项 list every viewer of the call sees once results are published (no scores, no reviewers)."""
    if call.results_published_at is None:
        return []
    return list(
        call.applications.filter(status=ApplicationStatus.GRANTED)
        .select_related("home_school")
        .only("title", "granted_amount", "home_school__short_name")
        .order_by("-granted_amount", "id")
    )


# -- review -----------------------------------------------------------------------------------


def application_type() -> ContentType:
    return ContentType.objects.get_for_model(Application)


def my_review_sheets(viewer) -> QuerySet:
    """The sheets assigned to the viewer's account, with their application (blind: no team)."""
    if not getattr(viewer, "is_authenticated", False):
        return ReviewSheet.objects.none()
    apps = Application.objects.filter(pk=OuterRef("subject_id"))
    return (
        ReviewSheet.objects.filter(subject_type=application_type(), reviewer=viewer)
        .annotate(
            application_title=Subquery(apps.values("title")[:1]),
            call_title=Subquery(apps.values("call__title")[:1]),
        )
        .order_by("status", "-id")
    )


def access_sheet_of_reviewer(viewer, sheet_id) -> ReviewSheet:
    try:
        return ReviewSheet.objects.select_related("rubric").get(
            pk=sheet_id, subject_type=application_type(), reviewer=viewer
        )
    except (ReviewSheet.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundError() from None


def sheets_by_application(application_ids, *, with_scores: bool = True) -> dict[int, list[ReviewSheet]]:
    """The review sheets of the applications, by application; ``with_scores=False`` for lists that
    show only each sheet's reviewer and total (no scores, indicators or links read)."""
    from yiwang.reviews.models import ReviewScore, RubricIndicator

    sheets = ReviewSheet.objects.filter(
        subject_type=application_type(), subject_id__in=list(application_ids)
    ).order_by("id")
    if with_scores:
        sheets = sheets.select_related("reviewer_school", "rubric").prefetch_related(
            Prefetch("scores", queryset=ReviewScore.objects.select_related("indicator")),
            Prefetch("rubric__indicators", queryset=RubricIndicator.objects.order_by("position", "id")),
            "call_link",
        )
    result: dict[int, list[ReviewSheet]] = {}
    for sheet in sheets:
        result.setdefault(sheet.subject_id, []).append(sheet)
    return result


RANKED_STATUSES = [ApplicationStatus.IN_REVIEW, ApplicationStatus.GRANTED, ApplicationStatus.NOT_GRANTED]


def call_ranking(viewer, call: ResearchCall, page=None, per_page: int = 50):
    """One page of the issuing office's ranking of a call: applications in review or decided, by
    average score (百分制, of the submitted sheets, rounded like ``summarise``) best first, unscored
    last; ``page.items`` are ``(application, ReviewSummary, sheets)``. The order is computed by the
    database, so only the page's sheets are read."""
    submitted = (
        ReviewSheet.objects.filter(
            subject_type=application_type(), subject_id=OuterRef("pk"), status=SheetStatus.SUBMITTED
        )
        .order_by()
        .values("subject_id")
        .annotate(average=Round(Avg("total"), 2))
        .values("average")
    )
    ranked = (
        applications_visible_to(viewer, call=call)
        .filter(status__in=RANKED_STATUSES)
        .select_related(None)
        .select_related("home_school")  # the ranking shows the home school only
        .annotate(average=Subquery(submitted, output_field=DecimalField(max_digits=6, decimal_places=2)))
        .order_by(F("average").desc(nulls_last=True), "id")
    )
    result = paginate(ranked, page, per_page)
    # the ranking shows each sheet's reviewer and total, and the totals' summary only
    sheets = sheets_by_application((a.pk for a in result.items), with_scores=False)
    result.items = [
        (a, summarise(sheets.get(a.pk, []), per_indicator=False), sheets.get(a.pk, [])) for a in result.items
    ]
    return result


# -- execution --------------------------------------------------------------------------------


def projects_visible_to(viewer, *, call=None, year=None) -> QuerySet:
    """Granted applications (课题) the viewer may see through this app."""
    return applications_visible_to(viewer, call=call, year=year, granted=True).prefetch_related("milestones")


OPEN_MILESTONE_STATUSES = (MilestoneStatus.PENDING, MilestoneStatus.REVISE)
RUNNING_PROJECT_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.ONGOING)


def _granted_applications_q(viewer, prefix: str = "application_id") -> Q:
    """``applications_q`` for granted applications (the only ones with milestones), on a row that
    points at an application (``prefix``: its column), one ``IN`` per arm: the issuing office and
    home school (the two ``(…_school, status)`` indexes), the applicant, the team places. An OR of
    uncorrelated subqueries each read once — not one subquery with the team's inside an OR, which
    makes PostgreSQL read every granted application."""
    if not getattr(viewer, "is_authenticated", False):
        return Q(pk__in=[])
    granted = ApplicationStatus.GRANTED
    condition = Q(
        **{f"{prefix}__in": Application.objects.filter(applicant_id=viewer.pk, status=granted).values("pk")}
    )
    condition |= Q(
        **{
            f"{prefix}__in": TeamMember.objects.filter(
                teacher__user_id=viewer.pk, application__status=granted
            ).values("application_id")
        }
    )
    staff = research_staff_school_ids(viewer)
    if staff:
        office = Application.objects.filter(
            Q(home_school_id__in=staff) | Q(call_school_id__in=staff), status=granted
        )
        condition |= Q(**{f"{prefix}__in": office.values("pk")})
    return condition


def milestones_visible_to(
    viewer, *, status: str = "", overdue: bool = False, due_within: int | None = None, today=None
):
    """Milestones of the viewer's granted applications whose project runs (立项 or 在研), by due date."""
    today = today or timezone.localdate()
    qs = Milestone.objects.filter(_granted_applications_q(viewer)).select_related(
        "application__call", "application__home_school", "application__project"
    )
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_MILESTONE_STATUSES, due_on__lt=today)
    if due_within is not None:
        qs = qs.filter(status__in=OPEN_MILESTONE_STATUSES, due_on__lte=today + timedelta(days=due_within))
    qs = qs.filter(application__project__status__in=RUNNING_PROJECT_STATUSES)
    return qs.order_by("due_on", "id")


# Open milestones are read in chunks of this many, oldest due first (``_open_milestones``).
MILESTONE_CHUNK = 2000
# The overdue list counts up to this many ("1000+").
OVERDUE_COUNT_CAP = 1000


def _open_milestones(viewer, *, since=None, until, size: int):
    """(id, due date) of the viewer's open milestones of running projects due in ``[since,
    until]``, oldest due first (then by id), read ``size`` at a time as the caller iterates. Each
    chunk in two steps: the milestones (their own ``(status, due_on)`` index and the visibility
    arms — no join), then which of their applications' projects still run (by primary key). One
    statement over milestones joined to projects lets PostgreSQL misjudge the join and merge every
    application with every project (≈ 35 ms at 100 k); the two steps cost a few milliseconds and
    are the same on both databases."""
    base = Milestone.objects.filter(
        _granted_applications_q(viewer), status__in=OPEN_MILESTONE_STATUSES, due_on__lte=until
    )
    if since is not None:
        base = base.filter(due_on__gte=since)
    base = base.order_by("due_on", "id")
    after = None
    while True:
        chunk = (
            base
            if after is None
            else base.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], id__gt=after[1]))
        )
        rows = list(chunk.values_list("id", "application_id", "due_on")[:size])
        if not rows:
            return
        running = set(
            Application.objects.filter(
                pk__in={app for _, app, _ in rows}, project__status__in=RUNNING_PROJECT_STATUSES
            ).values_list("pk", flat=True)
        )
        for pk, app, due_on in rows:
            if app in running:
                yield pk, due_on
        if len(rows) < size:
            return
        after = (rows[-1][2], rows[-1][0])


def _milestones_by_id(ids, shown: tuple[str, ...] = ()) -> list[Milestone]:
    """The milestones ``ids`` (already visibility-checked), in that order, with what the lists show
    (the application's title and home school; ``shown``: only those columns)."""
    rows = Milestone.objects.filter(pk__in=list(ids))
    if shown:
        rows = rows.select_related("application").only(*shown)
    else:
        rows = rows.select_related("application__home_school")
    by_id = {m.pk: m for m in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def projects_due(viewer, today=None, limit: int = 20, shown: tuple[str, ...] = ()) -> list[Milestone]:
    """The 共研一个题 page's “projects due”: the first ``limit`` open milestones due within two weeks
    or overdue, oldest due first (``shown``: read only those columns)."""
    today = today or timezone.localdate()
    until = today + timedelta(days=DUE_SOON_DAYS)
    walk = _open_milestones(viewer, until=until, size=min(MILESTONE_CHUNK, max(100, 2 * limit)))
    return _milestones_by_id([pk for pk, _ in islice(walk, limit)], shown)


def _showing(qs: QuerySet, joined: str, *fields: str) -> QuerySet:
    """``qs`` with only the ``joined`` relation and the ``fields`` a list shows."""
    return qs.select_related(None).select_related(joined).only(*fields)


def home_page(viewer, *, rows: int = 20) -> dict:
    """The 共研一个题 page's lists, ``rows`` each, reading only the columns the page shows (a
    list's full rows — every date of the call, the application and its schools — cost the page
    more CPU in row building and time-zone conversion than its statements cost the database)."""
    staff = research_staff_school_ids(viewer)
    application = ("title", "status", "call__title")
    return {
        "open_calls": list(
            _showing(
                open_calls(viewer),
                "owner_school",
                "title",
                "kind",
                "kind_label",
                "closes_at",
                "owner_school__short_name",
            )[:rows]
        ),
        "my_applications": list(_showing(my_applications(viewer), "call", *application)[:rows]),
        "confirmations": list(
            _showing(
                pending_confirmations(viewer),
                "application__call",
                "application__title",
                "application__call__title",
            )[:rows]
        ),
        "my_reviews": list(my_review_sheets(viewer).only("status")[:rows]),
        "due": projects_due(viewer, limit=rows, shown=("kind", "due_on", "status", "application__title")),
        "home_queue": list(_showing(home_queue(viewer), "call", *application)[:rows]) if staff else [],
        "office_queue": list(
            _showing(office_queue(viewer), "home_school", "title", "home_school__short_name")[:rows]
        )
        if staff
        else [],
        "to_verify": list(
            _showing(
                endorsements_to_verify(viewer), "output", "leader_level", "endorsed_on", "output__title"
            )[:rows]
        )
        if staff
        else [],
        "can_publish": bool(staff),
    }


def overdue_and_due_soon(viewer, page=None, *, per_page: int = 50, soon: int = 50, today=None):
    """The overdue page: one page of the overdue open milestones (counted up to
    ``OVERDUE_COUNT_CAP``) and the first ``soon`` due in the next two weeks (today included) —
    one walk over both, oldest due first (the overdue come first); a second walk for the next two
    weeks only when the overdue alone pass the cap."""
    today = today or timezone.localdate()
    until = today + timedelta(days=DUE_SOON_DAYS)
    overdue, upcoming = [], []
    for pk, due_on in _open_milestones(viewer, until=until, size=MILESTONE_CHUNK):
        if due_on < today:
            overdue.append(pk)
            if len(overdue) > OVERDUE_COUNT_CAP:
                break
        else:
            upcoming.append(pk)
            if len(upcoming) >= soon:
                break
    if len(overdue) > OVERDUE_COUNT_CAP:
        walk = _open_milestones(
            viewer, since=today, until=until, size=min(MILESTONE_CHUNK, max(100, 2 * soon))
        )
        upcoming = [pk for pk, _ in islice(walk, soon)]
    number = page_number(page)
    count = min(len(overdue), OVERDUE_COUNT_CAP)
    capped = len(overdue) > OVERDUE_COUNT_CAP
    if not capped:
        number = min(number, max(1, -(-count // per_page)))
    start = (number - 1) * per_page
    wanted = overdue[start : start + per_page + 1]
    rows = {m.pk: m for m in _milestones_by_id([*wanted, *upcoming])}
    result = counted_page(
        lambda offset, size: [rows[pk] for pk in overdue[offset : offset + size] if pk in rows],
        number,
        count,
        capped,
        per_page=per_page,
    )
    return result, [rows[pk] for pk in upcoming if pk in rows]


def overdue_milestones(viewer, today=None) -> QuerySet:
    return milestones_visible_to(viewer, overdue=True, today=today)


def budget_statement(application: Application) -> list[BudgetLine]:
    return list(application.budget_lines.order_by("position", "id"))


def expenses_of(application: Application) -> QuerySet:
    return Expense.objects.filter(application=application).select_related("line", "recorded_by")


def call_budget_statement(viewer, call: ResearchCall, limit: int | None = None) -> list[dict]:
    """Per granted project of the call the viewer may see: granted, budget, spent, left
    (the first ``limit`` projects, newest first, when given; each application with its title and
    granted amount only). The projects are read on their own
    and their budget lines summed in one grouped query (``SUM`` over the projects' joined rows
    would group by every column of the list's joins)."""
    apps = (
        applications_visible_to(viewer, call=call, granted=True)
        .select_related(None)
        .only("title", "granted_amount")
    )
    chosen = list(apps[:limit] if limit else apps)
    lines = BudgetLine.objects.filter(
        application_id__in=[a.pk for a in chosen] if limit else apps.values("pk")
    ).order_by()
    sums = {
        row["application_id"]: row
        for row in lines.values("application_id").annotate(budget=Sum("amount"), spent=Sum("spent"))
    }
    result = []
    for a in chosen:
        row = sums.get(a.pk, {})
        budget = row.get("budget") or Decimal("0")
        spent = row.get("spent") or Decimal("0")
        result.append(
            {
                "application": a,
                "granted": a.granted_amount,
                "budget": budget,
                "spent": spent,
                "left": budget - spent,
            }
        )
    return result


# -- discussion and events --------------------------------------------------------------------


def comments_of(call: ResearchCall, application: Application | None = None) -> QuerySet:
    qs = Comment.objects.filter(call=call).select_related("author")
    return qs.filter(application=application) if application else qs.filter(application__isnull=True)


def events_of(call: ResearchCall, application: Application | None = None) -> QuerySet:
    qs = ResearchEvent.objects.filter(call=call).select_related("session__training_class")
    return qs.filter(application=application) if application else qs.filter(application__isnull=True)


# -- reports, 批示 and the ranking -------------------------------------------------------------


def reports_visible_to(viewer, *, year=None, call=None) -> QuerySet:
    """咨政报告 the viewer may see (the research bank's own rule), annotated with verified 批示 per level."""
    qs = outputs_visible_to(viewer, kind=OutputKind.ADVISORY, year=year)
    if call is not None:
        qs = qs.filter(project__call_application__call_id=getattr(call, "pk", call))
    return qs.annotate(**_level_annotations())


def _level_annotations() -> dict:
    def counted(level):
        sub = Endorsement.objects.filter(output_id=OuterRef("pk"), verified_at__isnull=False)
        if level:
            sub = sub.filter(leader_level=level)
        sub = sub.order_by().values("output_id").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(sub, output_field=IntegerField()), 0)

    return {f"lv_{level}": counted(level) for level in LeaderLevel.values}


RANK_GROUPS = {"school": "owner_school", "teacher": "authors", "call": "project__call_application__call"}
RANK_LABELS = {"school": "学校", "teacher": "教师", "call": "申报批次"}


def _rank_name(by: str, item) -> str:
    if item is None:
        return ""
    if by == "teacher":
        return f"{item.name}（{item.owner_school.short_name}）"
    return item.title if by == "call" else item.short_name


def report_ranking(viewer, *, by: str = "school", year=None, limit: int = 100) -> list[dict]:
    """Per school / teacher / call: 报告数, 获批示报告数, 批示数, 获批率 and 批示 by leader level —
    counted only over the reports the viewer may see (and, per teacher, the authors they may see)."""
    group = RANK_GROUPS.get(by, RANK_GROUPS["school"])
    qs = outputs_visible_to(viewer, kind=OutputKind.ADVISORY, year=year)
    if by == "teacher":
        qs = qs.filter(authors__in=visible_to(Teacher.objects.all(), viewer).values("pk"))
    elif by == "call":
        qs = qs.filter(project__call_application__isnull=False)
    # One join on the verified 批示 counted per group — not a correlated subquery per report and
    # level, which made PostgreSQL's cost estimate pass its JIT threshold (≈ 0.85 s of compiling).
    verified = Q(endorsements__verified_at__isnull=False)
    levels = {
        f"n_{lv}": Count("endorsements", filter=verified & Q(endorsements__leader_level=lv), distinct=True)
        for lv in LeaderLevel.values
    }
    rows = list(
        qs.order_by()
        .values(group)
        .annotate(
            reports=Count("pk", distinct=True),
            endorsed=Count("pk", filter=verified, distinct=True),
            total=Count("endorsements", filter=verified, distinct=True),
            **levels,
        )
        .order_by("-total", "-reports", group)[:limit]
    )
    keys = [r[group] for r in rows]
    if by == "teacher":
        names = {t.pk: t for t in Teacher.objects.filter(pk__in=keys).select_related("owner_school")}
    elif by == "call":
        names = ResearchCall.objects.in_bulk(keys)
    else:
        names = School.objects.in_bulk(keys)
    result = []
    for r in rows:
        item = names.get(r[group])
        reports = r["reports"] or 0
        result.append(
            {
                "key": r[group],
                "item": item,
                "name": _rank_name(by, item),
                "reports": reports,
                "endorsed": r["endorsed"] or 0,
                "total": r["total"] or 0,
                "rate": (Decimal(r["endorsed"] or 0) * 100 / reports).quantize(Decimal("0.1"))
                if reports
                else Decimal("0.0"),
                **{f"n_{lv}": r[f"n_{lv}"] or 0 for lv in LeaderLevel.values},
            }
        )
    return result


def endorsements_to_verify(viewer) -> QuerySet:
    """批示 of call reports waiting for the viewer's office to verify them."""
    outputs = outputs_visible_to(viewer, kind=OutputKind.ADVISORY).values("pk")
    return (
        Endorsement.objects.filter(
            output__in=outputs,
            verified_at__isnull=True,
            verifier_school_id__in=research_staff_school_ids(viewer),
        )
        .select_related("output__owner_school")
        .order_by("endorsed_on", "id")
    )


def application_reports(viewer, application: Application) -> list[ResearchOutput]:
    if application.project_id is None:
        return []
    return list(
        outputs_visible_to(viewer, project=application.project_id)
        .select_related("call_report")
        .prefetch_related(
            Prefetch("endorsements", queryset=Endorsement.objects.order_by("-endorsed_on", "-id"))
        )
    )


# -- counts for the dashboards ----------------------------------------------------------------


def _submitted_application_parts(viewer, year=None) -> list[QuerySet]:
    """The viewer's visible submitted applications (``applications_visible_to`` without drafts) as
    disjoint parts whose union is exactly those rows: for research staff, their offices' (home or
    issuing school — read through the ``(…_school, status)`` indexes) and the team's others; for
    anyone else, the team's. One reading with the team's ``IN`` and the offices' conditions under
    an ``OR`` makes PostgreSQL scan every application (40–50 ms at 100 k)."""
    submitted = Application.objects.exclude(status=ApplicationStatus.DRAFT)
    if year:
        submitted = submitted.filter(call__year=year)
    team = submitted.filter(team_q(viewer)) if getattr(viewer, "is_authenticated", False) else None
    staff = research_staff_school_ids(viewer)
    if not staff:
        return [] if team is None else [team]
    office = Q(home_school_id__in=staff) | Q(call_school_id__in=staff)
    return [submitted.filter(office), team.exclude(office)]


def calls_counts(viewer, year=None) -> dict:
    """The dashboards' numbers, over exactly what the viewer may see in these pages:
    calls, applications (submitted, not drafts), granted, funding granted (万元), concluded rate (%),
    advisory reports of call projects, verified 批示 of them."""
    totals = dict.fromkeys(("applications", "granted", "funding", "concluded"), 0)
    for part in _submitted_application_parts(viewer, year):
        # the concluded projects joined in the join's own condition: PostgreSQL then hashes only
        # those, not every project
        row = part.annotate(
            concluded_project=FilteredRelation(
                "project", condition=Q(project__status=ProjectStatus.CONCLUDED)
            )
        ).aggregate(
            applications=Count("pk"),
            granted=Count("pk", filter=Q(status=ApplicationStatus.GRANTED)),
            funding=Coalesce(
                Sum("granted_amount", filter=Q(status=ApplicationStatus.GRANTED)), Value(Decimal("0"))
            ),
            concluded=Count(
                "pk", filter=Q(status=ApplicationStatus.GRANTED, concluded_project__isnull=False)
            ),
        )
        for key, value in row.items():
            totals[key] += value
    # reports of call projects: matched on the application's project column (no join through the
    # projects table)
    reports = outputs_visible_to(viewer, kind=OutputKind.ADVISORY, year=year).filter(
        Exists(Application.objects.filter(project_id=OuterRef("project_id")))
    )
    # One join on the verified 批示, as in ``report_ranking`` (no correlated subquery per report).
    report_totals = reports.aggregate(
        reports=Count("pk", distinct=True),
        endorsements=Count("endorsements", filter=Q(endorsements__verified_at__isnull=False), distinct=True),
    )
    granted = totals["granted"]
    return {
        "calls": calls_visible_to(viewer, year=year).count(),
        "applications": totals["applications"],
        "granted": granted,
        "funding": totals["funding"],
        "concluded_rate": (Decimal(totals["concluded"]) * 100 / granted).quantize(Decimal("0.1"))
        if granted
        else Decimal("0.0"),
        "reports": report_totals["reports"],
        "endorsements": report_totals["endorsements"],
    }


def open_milestone_kinds(application: Application) -> list[Milestone]:
    return list(application.milestones.prefetch_related("files", "extensions").order_by("due_on", "id"))

"""What a signed-in person's home page shows: what is waiting for them and their next sessions.

Every list is read through the owning app's own selector or permission predicate, so the
home page never shows a thing the person could not open. Each kind of waiting work is one
entry of ``WAITING`` (a function of the viewer returning a ``Waiting`` or ``None``)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yiwang.calls import selectors as calls
from yiwang.classes import selectors as classes
from yiwang.classes.enums import ACTIVE_SIGN_UP_STATUSES, ClassStatus, SignUpStatus
from yiwang.codev import selectors as codev
from yiwang.codev.enums import TaskStatus
from yiwang.codev.models import Task
from yiwang.courses.enums import CourseStatus
from yiwang.courses.selectors import courses_visible_to
from yiwang.exchanges import selectors as exchanges
from yiwang.faculty.selectors import own_teacher_id
from yiwang.network.rules import research_staff_school_ids, staff_school_ids
from yiwang.research.selectors import endorsements_visible_to
from yiwang.reviews.enums import SheetStatus
from yiwang.reviews.models import ReviewSheet

SHOWN = 3  # items named under each heading; the count says how many in all


@dataclass
class Waiting:
    """One kind of work waiting for the viewer: ``count`` in all, the first few as (text, url)."""

    label: str
    count: int
    url: str
    items: list[tuple[str, str]] = field(default_factory=list)


def _sign_up_approvals(viewer) -> Waiting | None:
    qs = classes.pending_approvals_for(viewer)
    count = qs.count()
    if not count:
        return None
    url = reverse("classes:approvals")
    items = [
        (f"{e.user.full_name or e.user.username}（{e.home_school.short_name}）旁听《{e.session.title}》", url)
        for e in qs[:SHOWN]
    ]
    return Waiting("旁听报名待审批", count, url, items)


def _course_reviews(viewer) -> Waiting | None:
    schools = staff_school_ids(viewer)
    if not schools:
        return None
    qs = courses_visible_to(viewer, status=CourseStatus.REVIEW).filter(owner_school_id__in=schools)
    qs = qs.filter(Q(submitted_by__isnull=True) | ~Q(submitted_by=viewer))  # 登记与审核分离
    count = qs.count()
    if not count:
        return None
    items = [(c.title, reverse("courses:detail", args=[c.pk])) for c in qs[:SHOWN]]
    return Waiting("课程待审核", count, reverse("courses:list") + "?status=review", items)


def _endorsements_to_verify(viewer) -> Waiting | None:
    schools = research_staff_school_ids(viewer)
    if not schools:
        return None
    qs = (
        endorsements_visible_to(viewer, verified=False)
        .filter(output__owner_school_id__in=schools)
        .filter(Q(added_by__isnull=True) | ~Q(added_by=viewer))  # 登记与审核分离
    )
    count = qs.count()
    if not count:
        return None
    items = [
        (f"《{e.output.title}》的批示", reverse("research:output_detail", args=[e.output_id]))
        for e in qs[:SHOWN]
    ]
    return Waiting("批示待核实", count, reverse("research:output_list"), items)


def _my_pending_sign_ups(viewer) -> Waiting | None:
    qs = classes.my_sign_ups(viewer).filter(
        status__in=[SignUpStatus.PENDING, SignUpStatus.WAITLISTED], session__starts_at__gte=timezone.now()
    )
    count = qs.count()
    if not count:
        return None
    items = [
        (
            f"《{e.session.title}》{e.get_status_display()}",
            reverse("classes:session_detail", args=[e.session_id]),
        )
        for e in qs[:SHOWN]
    ]
    return Waiting("我的报名待确认", count, reverse("classes:mine"), items)


def _requests_to_answer(viewer) -> Waiting | None:
    """交流协作: requests from other schools waiting for the viewer's school (the inbox's pending ones)."""
    qs = exchanges.inbox_of(viewer, pending_only=True)
    count = qs.count()
    if not count:
        return None
    items = [
        (
            f"{r.from_school.short_name}：{r.get_kind_display()}《{r.title}》",
            reverse("exchanges:request_detail", args=[r.pk]),
        )
        for r in qs.select_related("from_school")[:SHOWN]
    ]
    return Waiting("交流协作请求待处理", count, reverse("exchanges:inbox") + "?status=submitted", items)


def _review_sheets(viewer) -> Waiting | None:
    """评审: the viewer's unsubmitted score sheets (共研一个题 applications and 合备一门课 rounds share
    one sheet table, so one count covers both)."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    count = ReviewSheet.objects.filter(reviewer=viewer, status=SheetStatus.ASSIGNED).count()
    if not count:
        return None
    research = calls.my_review_sheets(viewer).filter(status=SheetStatus.ASSIGNED)
    items = [
        (f"课题申报《{s.application_title}》评审", reverse("calls:review_sheet", args=[s.pk]))
        for s in research[:SHOWN]
    ]
    if len(items) < SHOWN:
        courses = codev.sheets_assigned_to(viewer).filter(status=SheetStatus.ASSIGNED)
        items += [
            ("合备课程评审", reverse("codev:sheet", args=[s.pk])) for s in courses[: SHOWN - len(items)]
        ]
    return Waiting("评审待完成", count, reverse("calls:index"), items)


def _applications_to_check(viewer) -> Waiting | None:
    """共研一个题: applications waiting for the viewer's school approval or the office's formal check
    (research staff), and team places the viewer has not confirmed (teachers)."""
    queues = []
    if research_staff_school_ids(viewer):
        queues += [(calls.home_queue(viewer), "待所在单位审核"), (calls.office_queue(viewer), "待形式审查")]
    counts = [qs.count() for qs, _ in queues]
    confirmations = calls.pending_confirmations(viewer) if own_teacher_id(viewer) else None
    confirming = confirmations.count() if confirmations is not None else 0
    count = sum(counts) + confirming
    if not count:
        return None
    items = []
    for (qs, what), n in zip(queues, counts, strict=True):
        if n and len(items) < SHOWN:
            items += [
                (f"《{a.title}》{what}", reverse("calls:application_detail", args=[a.pk]))
                for a in qs[: SHOWN - len(items)]
            ]
    if confirming and len(items) < SHOWN:
        items += [
            (
                f"确认加入《{m.application.title}》团队",
                reverse("calls:application_detail", args=[m.application_id]),
            )
            for m in confirmations[: SHOWN - len(items)]
        ]
    return Waiting("课题申报待处理", count, reverse("calls:index"), items)


def _my_codev_tasks(viewer) -> Waiting | None:
    """合备一门课: open tasks assigned to the viewer, soonest due first."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    qs = (
        Task.objects.filter(assignee__user=viewer, status__in=[TaskStatus.TODO, TaskStatus.DOING])
        .select_related("project")
        .order_by("due_date", "id")
    )
    count = qs.count()
    if not count:
        return None
    items = [
        (
            f"{t.title}（{t.project.title}，{t.due_date:%m-%d} 截止）",
            reverse("codev:project", args=[t.project_id]),
        )
        for t in qs[:SHOWN]
    ]
    return Waiting("合备任务待完成", count, reverse("codev:index"), items)


WAITING = [
    _sign_up_approvals,
    _course_reviews,
    _endorsements_to_verify,
    _requests_to_answer,
    _applications_to_check,
    _review_sheets,
    _my_codev_tasks,
    _my_pending_sign_ups,
]


def waiting_for(viewer) -> list[Waiting]:
    """The work waiting for ``viewer``, kinds with nothing waiting left out."""
    return [w for w in (kind(viewer) for kind in WAITING) if w is not None]


def next_sessions(viewer, limit: int = 5) -> list[dict]:
    """The viewer's coming sessions: those they signed up for and those they teach, soonest first."""
    now = timezone.now()
    signed = {
        e.session_id: e
        for e in classes.my_sign_ups(viewer)
        .filter(status__in=ACTIVE_SIGN_UP_STATUSES, session__ends_at__gte=now, session__is_cancelled=False)
        .order_by("session__starts_at", "id")[:limit]
    }
    sessions = {e.session_id: e.session for e in signed.values()}
    teacher_id = own_teacher_id(viewer)
    if teacher_id is not None:
        taught = (
            classes.sessions_visible_to(viewer)
            .filter(teacher_id=teacher_id, ends_at__gte=now, is_cancelled=False)
            .exclude(training_class__status=ClassStatus.DRAFT)
            .select_related("training_class__owner_school", "teacher")
            .order_by("starts_at", "id")[:limit]
        )
        sessions.update({s.pk: s for s in taught})
    rows = []
    for session in sorted(sessions.values(), key=lambda s: (s.starts_at, s.pk))[:limit]:
        entry = signed.get(session.pk)
        role = "授课" if entry is None else f"旁听 · {entry.get_status_display()}"
        rows.append({"session": session, "role": role})
    return rows

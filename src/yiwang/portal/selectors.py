"""What a signed-in person's home page shows: what is waiting for them and their next sessions.

Every list is read through the owning app's own selector or permission predicate, so the
home page never shows a thing the person could not open. Each kind of waiting work is one
entry of ``WAITING`` (a function of the viewer returning a ``Waiting`` or ``None``)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yiwang.classes import selectors as classes
from yiwang.classes.enums import ACTIVE_SIGN_UP_STATUSES, ClassStatus, SignUpStatus
from yiwang.courses.enums import CourseStatus
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import own_teacher_id
from yiwang.network.rules import research_staff_school_ids, staff_school_ids
from yiwang.research.selectors import endorsements_visible_to

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


WAITING = [_sign_up_approvals, _course_reviews, _endorsements_to_verify, _my_pending_sign_ups]


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

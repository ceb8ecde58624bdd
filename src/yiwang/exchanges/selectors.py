"""Reading requests: the inbox, the outbox, one request — only for the schools involved."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.core.errors import NotFoundError
from yiwang.network.rules import staff_school_ids

from .enums import PENDING_STATUSES, RequestStatus
from .models import Request
from .rules import answering_alliance_ids, involved_filter


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


def inbox_of(viewer, *, kind: str | None = None, pending_only: bool = False) -> QuerySet[Request]:
    """Requests addressed to the viewer's schools (or their alliances, from other schools)."""
    schools = staff_school_ids(viewer)
    if not schools:
        return Request.objects.none()
    qs = (
        _base()
        .filter(
            Q(to_school_id__in=schools)
            | (Q(to_alliance_id__in=answering_alliance_ids(viewer)) & ~Q(from_school_id__in=schools))
        )
        .exclude(status=RequestStatus.DRAFT)
    )
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


def waiting_days(request: Request, now=None) -> int | None:
    """How long a submitted request has waited for its answer, in whole days."""
    if request.status not in PENDING_STATUSES or request.submitted_at is None:
        return None
    return ((now or timezone.now()) - request.submitted_at).days

from datetime import datetime, time

from django.utils import timezone

from .models import AuditRecord


def audit_records(
    *, person: str = "", school_id: int | None = None, action: str = "", date_from=None, date_to=None
):
    qs = AuditRecord.objects.select_related("school").order_by("-created_at", "-id")
    if person:
        qs = qs.filter(actor_name__icontains=person) | qs.filter(actor__username=person)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if action:
        qs = qs.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        qs = qs.filter(created_at__lte=timezone.make_aware(datetime.combine(date_to, time.max), tz))
    return qs

"""Writing audit records and sending notifications.

``record_audit`` is called by every service inside its transaction.
``notify`` schedules in-app notifications (and e-mail) to be sent after commit.
"""

import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.forms.models import model_to_dict

from yiwang.core.request_context import current_ip

from .models import AuditRecord, Notification

logger = logging.getLogger(__name__)


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    """A JSON-safe summary of a model instance for the audit before/after."""
    data = model_to_dict(obj, fields=list(fields) if fields else None)
    return {k: _jsonable(v) for k, v in data.items() if not k.endswith("password")}


def record_audit(
    *, actor, action: str, obj=None, school=None, before=None, after=None, object_repr: str = ""
):
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditRecord.objects.create(
        actor=actor_obj,
        actor_name=(actor_obj.full_name or actor_obj.username) if actor_obj else "",
        school=school,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=current_ip.get(),
    )


def record_audits(*, actor, action: str, entries: Iterable[tuple], batch_size: int = 2000) -> int:
    """One audit record per ``(obj, school, before, after)`` entry, inserted in batches — for
    the batch services of imports (the same record ``record_audit`` writes, item by item)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    actor_name = (actor_obj.full_name or actor_obj.username) if actor_obj else ""
    ip_address = current_ip.get()
    records = [
        AuditRecord(
            actor=actor_obj,
            actor_name=actor_name,
            school_id=getattr(school, "pk", school),
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            before=_jsonable(before),
            after=_jsonable(after),
            ip_address=ip_address,
        )
        for obj, school, before, after in entries
    ]
    # A prepared INSERT run with executemany: the values are prepared by each field exactly as
    # ``bulk_create`` does, without its per-row SQL assembly (a third of a 100 k-row import).
    fields = [f for f in AuditRecord._meta.concrete_fields if not f.primary_key]
    connection = connections[router.db_for_write(AuditRecord)]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(AuditRecord._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(records), batch_size):
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(f.pre_save(record, add=True), connection) for f in fields]
                    for record in records[start : start + batch_size]
                ],
            )
    return len(records)


def notify(recipients, *, title: str, body: str = "", url: str = "", email: bool = True) -> None:
    """Create in-app notifications and send e-mail once the current transaction commits."""
    recipients = [r for r in recipients if r is not None]

    def send():
        Notification.objects.bulk_create(
            [Notification(recipient=r, title=title, body=body, url=url) for r in recipients]
        )
        if email:
            for r in recipients:
                if r.email:
                    try:
                        send_mail(title, f"{body}\n\n{url}".strip(), None, [r.email])
                    except Exception:  # a mail outage must not break the action that was already committed
                        logger.exception("通知邮件发送失败：%s", r.email)

    transaction.on_commit(send)


class CountingRows:
    """Wraps the rows of an export so the number written can be audited afterwards."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row


def record_export(*, actor, list_name: str, filters: dict | None = None, rows: int, school=None):
    """Audit one export: who exported which list, with which filters, how many rows.

    Call it from every export path (bank lists, audit log, attendance, rankings)
    once the rows are counted; ``filters`` is the cleaned filter form data.
    """
    clean = {
        k: v if isinstance(v, bool | int | float | str) else str(getattr(v, "code", v))
        for k, v in (filters or {}).items()
        if v not in (None, "", [], ())
    }
    return record_audit(
        actor=actor,
        action="data.exported",
        school=school,
        object_repr=list_name,
        after={"list": list_name, "filters": clean, "rows": rows},
    )

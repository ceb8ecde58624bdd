"""Writing audit records and sending notifications.

``record_audit`` is called by every service inside its transaction.
``notify`` schedules in-app notifications after commit; e-mail and school group robots
(企业微信 / 钉钉) are ``Delivery`` rows sent by the task worker (``deliver_notice``), retried
with back-off and audited when they finally fail.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.forms.models import model_to_dict
from django.tasks import default_task_backend, task
from django.utils import timezone

from yiwang.core.errors import DomainError
from yiwang.core.request_context import current_ip

from .models import AuditRecord, Delivery, DeliveryStatus, Notification, SchoolWebhook, WebhookKind
from .webhooks import DeliveryFailed, message_text, post_text

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
    the batch services of imports (the same record ``record_audit`` writes, item by item).

    The records are written as tuples with one prepared ``INSERT`` run by ``executemany``: what
    is the same for every record (time, actor, action, IP address) is prepared by its field
    once; per record only the object's columns and the ``before`` / ``after`` JSON — no
    ``AuditRecord`` instance and no per-row SQL assembly (most of the cost of 100 000 records)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    connection = connections[router.db_for_write(AuditRecord)]
    fields = [f for f in AuditRecord._meta.concrete_fields if not f.primary_key]
    same = {
        "created_at": timezone.now(),
        "actor_id": actor_obj.pk if actor_obj else None,
        "actor_name": (actor_obj.full_name or actor_obj.username) if actor_obj else "",
        "action": action,
        "ip_address": current_ip.get(),
    }
    prepared = {name: _field(name).get_db_prep_save(value, connection) for name, value in same.items()}
    before_field, after_field, school_field = _field("before"), _field("after"), _field("school_id")
    schools: dict = {}

    def school_id(school):
        key = getattr(school, "pk", school)
        if key not in schools:
            schools[key] = school_field.get_db_prep_save(key, connection)
        return schools[key]

    per_record = {
        "school_id": lambda obj, school, before, after: school_id(school),
        "object_type": lambda obj, school, before, after: obj._meta.label,
        "object_id": lambda obj, school, before, after: str(obj.pk),
        "object_repr": lambda obj, school, before, after: str(obj)[:200],
        "before": lambda obj, school, before, after: before_field.get_db_prep_save(
            _jsonable(before), connection
        ),
        "after": lambda obj, school, before, after: after_field.get_db_prep_save(
            _jsonable(after), connection
        ),
    }
    columns = [
        (prepared[f.attname], None) if f.attname in prepared else (None, per_record[f.attname])
        for f in fields
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(AuditRecord._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))})"
    )
    written = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for entry in entries:
            batch.append(tuple(value if make is None else make(*entry) for value, make in columns))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _field(attname: str):
    return next(f for f in AuditRecord._meta.concrete_fields if f.attname == attname)


def notify(recipients, *, title: str, body: str = "", url: str = "", email: bool = True, school=None) -> None:
    """In-app notifications for ``recipients`` once the current transaction commits; e-mail to
    those with an address and, when ``school`` is given, a post to each of that school's group
    robots (企业微信 / 钉钉) — both as deliveries sent by the task worker, never in the request."""
    recipients = [r for r in recipients if r is not None]
    school_id = getattr(school, "pk", school)

    def send():
        notifications = Notification.objects.bulk_create(
            [Notification(recipient=r, title=title, body=body, url=url) for r in recipients]
        )
        deliveries = []
        if email:
            deliveries += [
                Delivery(notification=n, title=title, body=body, url=url)
                for n, r in zip(notifications, recipients, strict=True)
                if r.email
            ]
        if school_id is not None:
            deliveries += [
                Delivery(webhook=hook, title=title, body=body, url=url)
                for hook in SchoolWebhook.objects.filter(school_id=school_id, is_active=True)
            ]
        for delivery in Delivery.objects.bulk_create(deliveries):
            _enqueue(delivery.pk)

    transaction.on_commit(send)


DELIVERY_MAX_ATTEMPTS = 5
DELIVERY_RETRY_SECONDS = (30, 120, 600, 1800)  # after the 1st, 2nd, 3rd, 4th failure


def _enqueue(delivery_id: int, *, attempt: int = 0) -> None:
    job = deliver_notice
    if attempt and default_task_backend.supports_defer:
        delay = DELIVERY_RETRY_SECONDS[min(attempt, len(DELIVERY_RETRY_SECONDS)) - 1]
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
    job.enqueue(delivery_id)


def _send(delivery: Delivery) -> None:
    if delivery.webhook_id is not None:
        hook = delivery.webhook
        post_text(
            kind=hook.kind,
            url=hook.url,
            secret=hook.secret,
            text=message_text(delivery.title, delivery.body, delivery.url),
        )
        return
    address = delivery.notification.recipient.email
    if address:
        try:
            send_mail(delivery.title, f"{delivery.body}\n\n{delivery.url}".strip(), None, [address])
        except Exception as exc:  # SMTP errors of every kind: retried like a robot's refusal
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc


def deliver(delivery_id: int) -> str:
    """Try one delivery once: sent, or retried later, or — after the last attempt — failed and
    audited (``notification.delivery_failed``, visible to the audit admin). The network call
    runs outside any transaction, so a slow robot holds no database lock."""
    delivery = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .select_related("webhook__school", "notification__recipient")
        .first()
    )
    if delivery is None:
        return "done"
    try:
        _send(delivery)
        error = ""
    except DeliveryFailed as exc:
        error = str(exc)[:300] or "发送失败"
    attempts = delivery.attempts + 1
    pending = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
    if not error:
        pending.update(attempts=attempts, status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
        return "sent"
    if attempts < DELIVERY_MAX_ATTEMPTS:
        pending.update(attempts=attempts, last_error=error)
        _enqueue(delivery_id, attempt=attempts)
        return "retry"
    hook = delivery.webhook
    with transaction.atomic():
        pending.update(attempts=attempts, last_error=error, status=DeliveryStatus.FAILED)
        record_audit(
            actor=None,
            action="notification.delivery_failed",
            obj=delivery,
            school=hook.school if hook else None,
            object_repr=delivery.title,
            after={"channel": hook.kind if hook else "email", "attempts": attempts, "error": error},
        )
    logger.warning("通知投递失败（已尝试 %s 次）：%s", attempts, error)
    return "failed"


@task()
def deliver_notice(delivery_id: int) -> str:
    """The background task of one delivery (``yiwang db_worker`` runs it; ``yiwang serve`` starts it)."""
    return deliver(delivery_id)


def add_school_webhook(*, school, kind: str, url: str, secret: str = "") -> SchoolWebhook:
    """Route ``school``'s notices also to a group robot (server command line: ``yiwang
    school_webhook add``). Audited; the secret never appears in the audit record."""
    url = (url or "").strip()
    if kind not in WebhookKind.values:
        raise DomainError("机器人类型只能是 wecom（企业微信）或 dingtalk（钉钉）。", field="kind")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc or len(url) > 500:
        raise DomainError(
            "Webhook 地址应为以 http:// 或 https:// 开头的完整网址（最多 500 个字符）。", field="url"
        )
    secret = (secret or "").strip()
    if secret and kind != WebhookKind.DINGTALK:
        raise DomainError("只有钉钉机器人使用签名密钥（加签）。", field="secret")
    with transaction.atomic():
        if SchoolWebhook.objects.filter(school=school, kind=kind, url=url).exists():
            raise DomainError("该学校已配置了这个机器人地址。", code="conflict", field="url")
        hook = SchoolWebhook.objects.create(school=school, kind=kind, url=url, secret=secret)
        record_audit(
            actor=None,
            action="school_webhook.added",
            obj=hook,
            school=school,
            after={"kind": kind, "url": url.split("?")[0], "signed": bool(secret), "via": "command_line"},
        )
    return hook


def remove_school_webhook(*, hook: SchoolWebhook) -> None:
    with transaction.atomic():
        record_audit(
            actor=None,
            action="school_webhook.removed",
            obj=hook,
            school=hook.school,
            before={"kind": hook.kind, "url": hook.url.split("?")[0]},
            after={"via": "command_line"},
        )
        hook.delete()


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

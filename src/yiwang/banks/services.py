"""Import jobs: upload → background check/import (``django.tasks``) → decision → import.

The job's state lives in ``banks.ImportJob`` so any app server shows the progress and the
worker (``yiwang db_worker``) may run on another machine. Every transition is one
conditional ``UPDATE`` (``WHERE status = …``): when two requests submit the duplicate
decision at once only one row update succeeds, and the ``import_job_decided_once``
constraint refuses a second queued run in any case.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from yiwang.accounts.services import ServerConsole
from yiwang.activity.services import record_audit, record_audits
from yiwang.core import excel
from yiwang.core.crypto import EncryptedField
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import items_changed
from yiwang.network.rules import can_edit_bank_item
from yiwang.network.services import validate_sharing

from .enums import DuplicateChoice, ImportJobStatus
from .models import MAX_STORED_PROBLEMS, ImportJob

logger = logging.getLogger(__name__)
#: Finished jobs (and jobs left waiting for a duplicate decision) are kept this long by default.
KEEP_JOBS_DAYS = 30
FINISHED_STATUSES = (ImportJobStatus.INVALID, ImportJobStatus.IMPORTED, ImportJobStatus.NEEDS_DECISION)
INTERNAL_ERROR = "导入时发生内部错误，未写入任何记录。请稍后重试，或联系系统管理员。"
NO_DECISION_NEEDED = "该导入当前无需选择重复记录的处理方式（可能已经提交过）。"


def start_import_job(
    *, bank: str, upload, filename: str, school, by, on_duplicate: str | None = None
) -> ImportJob:
    """Check the upload's size/type now, store it with the job, and queue the import task."""
    importer_cls = excel.get_importer(bank)
    if not can_edit_bank_item(by, school):
        raise PermissionDeniedError(
            f"只有{school.name}的管理员、教务、培训或科研人员可以导入{importer_cls.label}。"
        )
    on_duplicate = excel.check_on_duplicate(on_duplicate)
    data = excel.check_upload(upload, filename)
    with transaction.atomic():
        job = ImportJob.objects.create(
            owner=by,
            school=school,
            bank=bank,
            filename=(filename or "upload.xlsx")[-255:],
            upload=data,
            on_duplicate=on_duplicate or "",
        )
    run_import_job.enqueue(str(job.pk))
    return job


def decide_duplicates(*, job: ImportJob, by, on_duplicate: str) -> ImportJob:
    """The owner chose skip/update for the listed duplicates: queue the import once more.

    Only one of several simultaneous submissions wins (a conditional update); the others
    get a ConflictError and change nothing."""
    if job.owner_id != getattr(by, "pk", None):
        raise PermissionDeniedError("只有上传该文件的人可以选择重复记录的处理方式。")
    if on_duplicate not in (DuplicateChoice.SKIP, DuplicateChoice.UPDATE):
        raise DomainError("请选择“跳过重复记录”或“更新重复记录”。", field="on_duplicate")
    try:
        with transaction.atomic():
            won = ImportJob.objects.filter(
                pk=job.pk, status=ImportJobStatus.NEEDS_DECISION, decided_at__isnull=True
            ).update(
                status=ImportJobStatus.QUEUED,
                on_duplicate=on_duplicate,
                decided_at=timezone.now(),
                runs=F("runs") + 1,
                checked=0,
                updated_at=timezone.now(),
            )
    except IntegrityError:
        won = 0
    if not won:
        raise ConflictError(NO_DECISION_NEEDED)
    run_import_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


# -- what the banks' batch services share (Excel import, demo loaders) -----------------------


def is_console(by) -> bool:
    """The server's own command line as the one writing: ``yiwang import`` passes a
    ``ServerConsole``; the apps' demo loaders (``yiwang demo``) pass ``None``, which means the
    same. It may write into any school and sees every active teacher — the only checks it
    is spared; the cleaning, transition, sharing and reference checks still run, and its
    audit records carry no person (``actor`` empty)."""
    return by is None or isinstance(by, ServerConsole)


class SchoolRights:
    """“May ``by`` write into this school?”, asked once per school in a batch.

    ``predicate(by, school)`` is the bank's rule (``network.rules.can_edit_bank_item``,
    ``can_edit_research`` …); ``message`` names who may, with ``{school}`` for the name."""

    def __init__(self, by, predicate: Callable, message: str):
        self.by, self.predicate, self.message = by, predicate, message
        self._answers: dict[int, bool] = {}

    def allows(self, school) -> bool:
        if school.pk not in self._answers:
            self._answers[school.pk] = is_console(self.by) or bool(self.predicate(self.by, school))
        return self._answers[school.pk]

    def require(self, school) -> None:
        if not self.allows(school):
            raise PermissionDeniedError(self.message.format(school=school.name))


class SharingCheck:
    """``network.services.validate_sharing`` for the rows of one batch: a row that picks
    alliances or partnerships is checked in full; for one that picks none the answer depends
    on the scope alone, so each scope is checked once per batch."""

    def __init__(self):
        self._plain_ok: set[str] = set()

    def check(self, school, scope: str, alliances, partnerships) -> None:
        if alliances or partnerships or scope not in self._plain_ok:
            validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
            if not (alliances or partnerships):
                self._plain_ok.add(scope)


@contextmanager
def numbered(number: int) -> Iterator[None]:
    """Prefix a refusal raised inside with the row's number (“第 3 条：…”), same error type."""
    try:
        yield
    except DomainError as exc:
        raise type(exc)(f"第 {number} 条：{exc.message}", code=exc.code, field=exc.field) from None


def check_batch_fields(rows, allowed: set[str]) -> None:
    """Refuse the batch when a row has a key the batch service does not know."""
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - allowed
        if unknown:
            raise DomainError(f"第 {number} 条：未知的字段：" + "、".join(sorted(unknown)))


def update_each(
    *, by, changes, model, action: str, fields: set[str], change: Callable, state: Callable
) -> list[int]:
    """A bank's batch update: ``[(item, row)]`` each checked and saved by ``change(item, row)``
    — the single-item service's own checks, returning ``(item, state before)``; the owner
    school never changes, so a row's ``school`` is left out — in one transaction, one
    ``action`` audit record (before / ``state(item)`` after) per item, one index batch."""
    check_batch_fields([row for _, row in changes], fields)
    entries = []
    with transaction.atomic():
        for number, (item, row) in enumerate(changes, start=1):
            with numbered(number):
                item, before = change(item, {key: value for key, value in row.items() if key != "school"})
            entries.append((item, item.owner_school, before, state(item)))
        record_audits(actor=by, action=action, entries=entries)
        items_changed(model, [item.pk for item, *_ in entries])
    return [item.pk for item, *_ in entries]


#: Field types whose Python value (already cleaned: str / bool / None) is what the database takes.
_AS_IS_FIELDS = (models.CharField, models.TextField, models.EmailField, models.BooleanField)
INSERT_BATCH = 2000


def insert_rows(model, rows: list[dict], *, batch_size: int = INSERT_BATCH) -> list[int]:
    """Insert new rows of ``model`` and return their primary keys, in order — for batch services.

    ``rows`` are dicts of field attnames (``owner_school_id``…) to cleaned Python values; a
    missing field takes its default, ``auto_now``/``auto_now_add`` take one timestamp. Values
    are prepared by their field (``get_db_prep_save``, so custom fields keep working) and
    written as one multi-row ``INSERT … RETURNING`` per batch, without building model
    instances or Django's per-row SQL assembly (most of a 100 k-row import's write time)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    columns = []  # (attname, column, prepared default or _PER_ROW, prepare per row)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        prepare = None if type(field) in _AS_IS_FIELDS else _preparer(field, connection)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = field.get_db_prep_save(now, connection)
        elif callable(field.default) or isinstance(field, EncryptedField):
            default = _PER_ROW  # a fresh value (or a fresh nonce) for every row
        else:
            value = field.get_default()
            default = value if prepare is None else field.get_db_prep_save(value, connection)
        columns.append((field.attname, field.column, default, prepare, field))
    quote = connection.ops.quote_name
    pk_column = quote(model._meta.pk.column)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c[1]) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # SQLite says its limit; PostgreSQL has none in Django but 65 535 parameters per statement.
    max_params = connection.features.max_query_params or 65_535
    batch_size = max(1, min(batch_size, max_params // len(columns)))
    pks: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            part = rows[start : start + batch_size]
            params = []
            append = params.append
            for row in part:
                for attname, _, default, prepare, field in columns:
                    if attname in row:
                        value = row[attname]
                        append(value if prepare is None else prepare(value))
                    elif default is _PER_ROW:
                        append(field.get_db_prep_save(field.get_default(), connection))
                    else:
                        append(default)
            cursor.execute(f"{head}{', '.join([one] * len(part))} RETURNING {pk_column}", params)
            pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


_PER_ROW = object()


def _preparer(field, connection) -> Callable:
    """``field.get_db_prep_save`` for one import: remembered per value for the fields whose
    values repeat (foreign keys, numbers, dates …); every value anew for encrypted fields (a
    fresh nonce each) and for values that cannot be remembered (lists, dicts)."""
    if isinstance(field, EncryptedField | models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    known: dict = {}

    def prepare(value):
        try:
            return known[value]
        except KeyError:
            known[value] = prepared = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)

    return prepare


def inserted_state(model, fields, data: dict, **extra) -> dict:
    """The audit snapshot of a row written by ``insert_rows`` — the shape
    ``activity.services.snapshot(obj, fields)`` gives for the saved object (a foreign key as its
    id, a field the row did not set as its default) — plus ``extra`` (teachers, 适用对象 …)."""
    state = {
        name: data[attname] if attname in data else data.get(name, default)
        for name, attname, default in _state_fields(model, tuple(fields))
    }
    state.update(extra)
    return state


@functools.cache
def _state_fields(model, fields: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    by_name = {f.name: f for f in model._meta.concrete_fields if f.editable}
    return [(n, by_name[n].attname, by_name[n].get_default()) for n in fields if n in by_name]


class Saved:
    """An item a batch service inserted with ``insert_rows``: what its audit record and sharing
    rows need (model, pk, name) without building a model instance per row."""

    __slots__ = ("_meta", "pk", "name")

    def __init__(self, model, pk: int, name: str = ""):
        self._meta, self.pk, self.name = model._meta, pk, name

    def __str__(self) -> str:
        return self.name


def save_sharing(items: list[tuple[Any, list, list]], *, model=None) -> None:
    """Bulk-set the picked alliances/partnerships of newly created items (batch services):
    ``[(obj, alliances, partnerships)]``, already validated; ``model`` when the items are
    ``Saved`` rows rather than model instances."""
    if not items:
        return
    model = model or type(items[0][0])
    alliance_through = model.shared_alliances.through
    partnership_through = model.shared_partnerships.through
    item_field = model._meta.get_field("shared_alliances").m2m_field_name() + "_id"
    alliance_rows = [
        alliance_through(**{item_field: obj.pk, "alliance_id": a.pk})
        for obj, alliances, _ in items
        for a in alliances
    ]
    partnership_rows = [
        partnership_through(**{item_field: obj.pk, "supportpartnership_id": p.pk})
        for obj, _, partnerships in items
        for p in partnerships
    ]
    alliance_through.objects.bulk_create(alliance_rows, batch_size=excel.BATCH_SIZE)
    partnership_through.objects.bulk_create(partnership_rows, batch_size=excel.BATCH_SIZE)


def _claim(job_id: str) -> bool:
    """queued → running, for exactly one worker."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
            status=ImportJobStatus.RUNNING, updated_at=timezone.now()
        )
    )


def execute_import_job(job_id: str) -> str:
    """Run one queued job (called by the task); returns the job's new status."""
    if not _claim(job_id):
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    job = ImportJob.objects.select_related("owner", "school").get(pk=job_id)

    def progress(checked: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(checked=min(checked, total), total=total)

    fields: dict = {"finished_at": timezone.now()}
    try:
        if not job.owner.is_active:
            raise PermissionDeniedError("上传人的账号已停用，导入未执行。")
        importer = excel.get_importer(job.bank)(
            by=job.owner, school=job.school, on_duplicate=job.on_duplicate or None
        )
        report = importer.run(bytes(job.upload), progress)
    except DomainError as exc:
        fields.update(status=ImportJobStatus.INVALID, error=exc.message, upload=b"")
    except Exception:
        logger.exception("import job %s failed", job.pk)
        fields.update(status=ImportJobStatus.INVALID, error=INTERNAL_ERROR, upload=b"")
    else:
        fields.update(
            status=report.state,
            total_rows=report.total_rows,
            problem_count=len(report.problems),
            problems=[p.as_dict() for p in report.problems[:MAX_STORED_PROBLEMS]],
            duplicates=report.duplicates,
            ignored_columns=report.ignored_columns,
            created=report.created,
            updated=report.updated,
            skipped=report.skipped,
        )
        if report.state != ImportJobStatus.NEEDS_DECISION:
            fields["upload"] = b""  # nothing more will be read from it
    ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.RUNNING).update(
        updated_at=timezone.now(), **fields
    )
    return fields["status"]


@task()
def run_import_job(job_id: str) -> str:
    """The background task of one import (``yiwang db_worker`` runs it in dev/production)."""
    return execute_import_job(job_id)


def prune_import_jobs(*, older_than_days: int = KEEP_JOBS_DAYS, now=None) -> int:
    """Delete the jobs that finished more than ``older_than_days`` days ago — imported, refused
    for problems, or left waiting for a duplicate decision nobody made (their upload is kept
    until then) — and audit how many. Queued and running jobs are never touched. Returns the
    number deleted (``yiwang prune_import_jobs``)."""
    if older_than_days < 1:
        raise DomainError("保留天数至少为 1 天。", field="older_than_days")
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    with transaction.atomic():
        deleted, _ = ImportJob.objects.filter(status__in=FINISHED_STATUSES, finished_at__lt=cutoff).delete()
        if deleted:
            record_audit(
                actor=None,
                action="import_job.pruned",
                object_repr=f"清理 {deleted} 个 {older_than_days} 天前完成的导入任务",
                after={"deleted": deleted, "older_than_days": older_than_days},
            )
    return deleted

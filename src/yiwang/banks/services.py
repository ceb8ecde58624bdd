"""Import jobs: upload → background check/import (``django.tasks``) → decision → import.

The job's state lives in ``banks.ImportJob`` so any app server shows the progress and the
worker (``yiwang db_worker``) may run on another machine. Every transition is one
conditional ``UPDATE`` (``WHERE status = …``): when two requests submit the duplicate
decision at once only one row update succeeds, and the ``import_job_decided_once``
constraint refuses a second queued run in any case.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from yiwang.core import excel
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.network.rules import can_edit_bank_item

from .enums import DuplicateChoice, ImportJobStatus
from .models import MAX_STORED_PROBLEMS, ImportJob

logger = logging.getLogger(__name__)
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


def save_sharing(items: list[tuple[Any, list, list]]) -> None:
    """Bulk-set the picked alliances/partnerships of newly created items (batch services):
    ``[(obj, alliances, partnerships)]``, already validated."""
    if not items:
        return
    model = type(items[0][0])
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

"""The audit log's Excel export. A small export is written while the person waits; a large one
(more than ``settings.AUDIT_INLINE_EXPORT_ROWS`` records, 5 000 by default) becomes an ``AuditExportJob`` written by the task
worker, with its progress saved every ``PROGRESS_EVERY`` rows, then downloadable by its requester.
Either way the rows are streamed (write-only workbook over a chunked iterator) and the export is
audited once with its filters and row count."""

import logging
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from yiwang.core import excel
from yiwang.core.errors import NotFoundError, PermissionDeniedError

from . import rules
from .models import ACTIVE_EXPORT_STATUSES, AuditExportJob, ExportStatus
from .selectors import audit_records
from .services import CountingRows, record_export

logger = logging.getLogger(__name__)

INLINE_EXPORT_ROWS = 5_000  # the default of settings.AUDIT_INLINE_EXPORT_ROWS
PROGRESS_EVERY = 2_000
AUDIT_EXPORT_HEADER = [
    "时间",
    "操作人",
    "学校",
    "操作",
    "对象类型",
    "对象编号",
    "对象",
    "修改前",
    "修改后",
    "IP 地址",
]


def export_row(record) -> list:
    return [
        timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        record.actor_name,
        record.school.name if record.school else "",
        record.action,
        record.object_type,
        record.object_id,
        record.object_repr,
        str(record.before) if record.before is not None else "",
        str(record.after) if record.after is not None else "",
        record.ip_address or "",
    ]


def stored_filters(filters: dict) -> dict:
    """The filter form's data as JSON (a school by its id, dates as ISO text), empty ones left out."""
    clean = {}
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        clean[key] = (
            value.pk if hasattr(value, "pk") else value.isoformat() if hasattr(value, "isoformat") else value
        )
    return clean


def _records(filters: dict):
    def day(key):
        return date.fromisoformat(filters[key]) if filters.get(key) else None

    return audit_records(
        person=filters.get("person", ""),
        school_id=filters.get("school"),
        action=filters.get("action", ""),
        date_from=day("date_from"),
        date_to=day("date_to"),
    )


def write_export(filters: dict, progress=None) -> tuple[bytes, int]:
    """The workbook of the records matching ``filters`` and how many rows it has."""

    def rows():
        for n, record in enumerate(_records(filters).iterator(chunk_size=PROGRESS_EVERY), start=1):
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(n)
            yield export_row(record)

    counted = CountingRows(rows())
    return excel.write_rows("审计日志", AUDIT_EXPORT_HEADER, counted), counted.count


def needs_background(filters: dict) -> bool:
    limit = int(getattr(settings, "AUDIT_INLINE_EXPORT_ROWS", INLINE_EXPORT_ROWS))
    return _records(filters).order_by().values("pk")[: limit + 1].count() > limit


def request_audit_export(*, by, filters: dict) -> AuditExportJob:
    """Queue a background export; asking again for the same filters while it runs gives that job."""
    if not rules.can_read_audit(by):
        raise PermissionDeniedError("只有审计管理员可以导出审计日志。")
    filters = stored_filters(filters)
    try:
        with transaction.atomic():
            job = AuditExportJob.objects.create(
                requested_by=by, filters=filters, total=_records(filters).order_by().count()
            )
    except IntegrityError:
        return AuditExportJob.objects.get(requested_by=by, filters=filters, status__in=ACTIVE_EXPORT_STATUSES)
    transaction.on_commit(lambda: export_audit_log.enqueue(job.pk))
    return job


def run_audit_export(job_id: int) -> str:
    won = AuditExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if not won:
        return "skipped"
    job = AuditExportJob.objects.select_related("requested_by").get(pk=job_id)
    if not rules.can_read_audit(job.requested_by):
        AuditExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error="您已无权导出审计日志。", finished_at=timezone.now()
        )
        return "failed"
    try:
        data, count = write_export(
            job.filters, progress=lambda n: AuditExportJob.objects.filter(pk=job_id).update(written=n)
        )
        job.file.save(f"audit-log-{job.pk}.xlsx", ContentFile(data), save=False)
        job.status, job.written, job.finished_at = ExportStatus.DONE, count, timezone.now()
        job.total = max(job.total, count)
        job.save(update_fields=["file", "status", "written", "total", "finished_at"])
        record_export(actor=job.requested_by, list_name="审计日志", filters=job.filters, rows=count)
    except Exception:
        logger.exception("审计日志导出失败：%s", job_id)
        AuditExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error="导出失败，请稍后重试或联系管理员。", finished_at=timezone.now()
        )
        return "failed"
    return "done"


@task()
def export_audit_log(job_id: int) -> str:
    return run_audit_export(job_id)


def access_export(viewer, pk) -> AuditExportJob:
    """One's own export job (anyone else's is not found)."""
    job = AuditExportJob.objects.filter(pk=pk, requested_by_id=getattr(viewer, "pk", None)).first()
    if job is None or not rules.can_read_audit(viewer):
        raise NotFoundError("没有找到这个导出任务。")
    return job

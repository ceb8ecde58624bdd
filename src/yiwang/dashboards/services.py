"""Writing for the boards: yearly targets, and annual-report jobs generated in the background."""

import logging
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.activity.services import notify, record_audit
from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError
from yiwang.network.models import School

from . import indicators, report, rules, tallies
from .enums import ACTIVE_REPORT_STATUSES, ReportStatus, ScopeKind
from .models import IndicatorTarget, ReportJob, Tally
from .selectors import resolve_scope

logger = logging.getLogger(__name__)


def set_target(*, by, school, year: int, indicator: str, target) -> IndicatorTarget | None:
    """Set (or, with an empty value, remove) a school's yearly target for one indicator."""
    if not rules.can_set_targets(by, school):
        raise PermissionDeniedError("只有本校学校管理员可以设定年度目标。")
    ind = indicators.get(indicator)
    if ind is None or ind.is_ratio or ind.measure != "count" and ind.measure[0] == "avg":
        raise DomainError("该指标不能设定目标。", field="indicator")
    today = timezone.localdate()
    if not (2000 <= int(year) <= today.year + 1):
        raise DomainError(f"年度须在 2000–{today.year + 1} 之间。", field="year")
    text = str(target if target is not None else "").strip()
    with transaction.atomic():
        existing = (
            IndicatorTarget.objects.select_for_update()
            .filter(school=school, year=year, indicator=indicator)
            .first()
        )
        if not text:
            if existing:
                existing.delete()
                record_audit(
                    actor=by, action="target.removed", school=school, object_repr=f"{year} {ind.label}"
                )
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DomainError("目标值须为数字。", field="target") from None
        if not value.is_finite() or value <= 0 or value > Decimal("99999999"):
            raise DomainError("目标值须为大于 0 的数字。", field="target")
        before = existing.target if existing else None
        obj, _ = IndicatorTarget.objects.update_or_create(
            school=school, year=year, indicator=indicator, defaults={"target": value, "set_by": by}
        )
        record_audit(
            actor=by,
            action="target.set",
            obj=obj,
            school=school,
            object_repr=f"{year} {ind.label}",
            before={"target": before},
            after={"target": value},
        )
    return obj


def request_report(*, by, kind: str, ident: str, year: int) -> ReportJob:
    """Queue an annual report; asking again while one is queued or running returns that job."""
    scope = resolve_scope(by, kind, ident)
    today = timezone.localdate()
    if not (2000 <= int(year) <= today.year):
        raise DomainError(
            "不能生成未来年度的报告。" if int(year) > today.year else "年度不正确。", field="year"
        )
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                requested_by=by, scope_kind=scope.kind, scope_id=scope.pk, scope_label=scope.label, year=year
            )
            record_audit(
                actor=by, action="report.requested", obj=job, after={"scope": scope.label, "year": year}
            )
    except IntegrityError:
        job = ReportJob.objects.get(
            requested_by=by,
            scope_kind=scope.kind,
            scope_id=scope.pk,
            year=year,
            status__in=ACTIVE_REPORT_STATUSES,
        )
        return job
    transaction.on_commit(lambda: generate_report.enqueue(job.pk))
    return job


def _scope_ident(job: ReportJob) -> str:
    if job.scope_kind == ScopeKind.SCHOOL:
        return School.objects.filter(pk=job.scope_id).values_list("code", flat=True).first() or ""
    return "" if job.scope_kind == ScopeKind.NETWORK else str(job.scope_id)


def run_report(job_id: int) -> str:
    """Generate one report's PDF and workbook; progress is saved as it goes."""
    won = ReportJob.objects.filter(pk=job_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=1, step="开始", updated_at=timezone.now()
    )
    if not won:
        return "skipped"
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    viewer = User.objects.get(pk=job.requested_by_id)

    def progress(percent: int, step: str) -> None:
        ReportJob.objects.filter(pk=job_id).update(progress=min(99, percent), step=step[:60])

    try:
        scope = resolve_scope(viewer, job.scope_kind, _scope_ident(job))
        content = report.build_content(viewer, scope, job.year, progress=progress)
        progress(96, "生成 PDF")
        pdf = report.render_pdf(content)
        progress(98, "生成 Excel")
        xlsx = report.render_xlsx(content)
        name = f"{job.scope_label}{job.year}年度报告"
        job.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
        job.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
        job.status, job.progress, job.step, job.finished_at = ReportStatus.DONE, 100, "完成", timezone.now()
        job.save(update_fields=["pdf", "xlsx", "status", "progress", "step", "finished_at", "updated_at"])
    except NotFoundError:
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportStatus.FAILED, error="您已无权查看该范围的数据。", finished_at=timezone.now()
        )
        return "failed"
    except Exception:
        logger.exception("年度报告生成失败：%s", job_id)
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportStatus.FAILED,
            error="生成失败，请稍后重试或联系管理员。",
            finished_at=timezone.now(),
            progress=F("progress"),
        )
        return "failed"
    notify(
        [viewer],
        title=f"年度报告已生成：{job.scope_label} {job.year}",
        url=f"/dashboards/reports/{job.pk}/",
        email=False,
    )
    return "done"


@task()
def generate_report(job_id: int) -> str:
    return run_report(job_id)


def compact_tally_rows() -> tuple[int, int]:
    """Fold the boards' delta rows into one row per key (``tallies.compact``): (rows before, after)."""
    before = tallies.compact()
    return before, Tally.objects.count()


@task()
def compact_tallies() -> list[int]:
    """The periodic compaction as a task (the same as ``yiwang compact_tallies``)."""
    return list(compact_tally_rows())

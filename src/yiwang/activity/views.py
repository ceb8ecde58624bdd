from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from yiwang.core import excel
from yiwang.core.errors import NotFoundError
from yiwang.core.files import download_response
from yiwang.core.pagination import keyset_page

from . import exports, rules
from .models import ACTIVE_EXPORT_STATUSES, AuditExportJob, AuditRecord, ExportStatus
from .selectors import audit_records
from .services import record_export

# The schools the audit log can be filtered by: the model the records point at.
School = AuditRecord._meta.get_field("school").related_model


class AuditFilterForm(forms.Form):
    person = forms.CharField(label="操作人", required=False)
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.all(), required=False)
    action = forms.CharField(label="操作", required=False)
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = audit_records(
        person=data.get("person") or "",
        school_id=data["school"].pk if data.get("school") else None,
        action=data.get("action") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, qs


@login_required
def audit_log(request):
    if not rules.can_read_audit(request.user):
        raise PermissionDenied
    form, qs = _filtered(request)
    page = keyset_page(qs, older=request.GET.get("older"), newer=request.GET.get("newer"))
    params = request.GET.copy()
    for key in ("older", "newer", "page"):
        params.pop(key, None)
    return render(
        request,
        "activity/audit_log.html",
        {"form": form, "page": page, "filters_query": params.urlencode(), "exports": _my_exports(request)},
    )


def _my_exports(request):
    return AuditExportJob.objects.filter(requested_by=request.user)[:5]


@login_required
def audit_export(request):
    """A small export downloads at once; a large one is queued (see ``exports``)."""
    if not rules.can_read_audit(request.user):
        raise PermissionDenied
    form, _ = _filtered(request)
    filters = exports.stored_filters(form.cleaned_data if form.is_bound and form.is_valid() else {})
    if exports.needs_background(filters):
        job = exports.request_audit_export(by=request.user, filters=filters)
        messages.info(request, "符合条件的记录较多，已转为后台导出；完成后可在本页下载。")
        return redirect("activity:export_detail", pk=job.pk)
    data, count = exports.write_export(filters)
    record_export(actor=request.user, list_name="审计日志", filters=filters, rows=count)
    return excel.xlsx_response(data, "audit-log.xlsx")


@login_required
def export_detail(request, pk: int):
    job = exports.access_export(request.user, pk)
    running = job.status in ACTIVE_EXPORT_STATUSES
    template = "activity/_export_status.html" if request.htmx else "activity/export_detail.html"
    return render(request, template, {"job": job, "running": running})


@login_required
def export_download(request, pk: int):
    job = exports.access_export(request.user, pk)
    if job.status != ExportStatus.DONE:
        raise NotFoundError("导出尚未完成。")
    return download_response(job.file, f"审计日志-{job.created_at:%Y%m%d%H%M}.xlsx")


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("portal:notifications")
    return render(request, "activity/notifications.html", {"items": items})

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from yiwang.core import excel
from yiwang.core.pagination import paginate
from yiwang.core.views_support import querystring_without_page

from . import rules
from .models import AuditRecord
from .selectors import audit_records
from .services import CountingRows, record_export

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
    page = paginate(qs, request.GET.get("page"))
    return render(
        request,
        "activity/audit_log.html",
        {
            "form": form,
            "page": page,
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
def audit_export(request):
    if not rules.can_read_audit(request.user):
        raise PermissionDenied
    form, qs = _filtered(request)
    rows = CountingRows(
        [
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            r.actor_name,
            r.school.name if r.school else "",
            r.action,
            r.object_type,
            r.object_id,
            r.object_repr,
            str(r.before) if r.before is not None else "",
            str(r.after) if r.after is not None else "",
            r.ip_address or "",
        ]
        for r in qs.iterator(chunk_size=2000)
    )
    data = excel.write_rows("审计日志", AUDIT_EXPORT_HEADER, rows)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    record_export(actor=request.user, list_name="审计日志", filters=filters, rows=rows.count)
    return excel.xlsx_response(data, "audit-log.xlsx")


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("portal:notifications")
    return render(request, "activity/notifications.html", {"items": items})

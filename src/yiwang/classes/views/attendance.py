"""Attendance (旁听签到) of the teachers of the schools where the viewer runs classes, and its xlsx."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from yiwang.core.excel import write_rows, xlsx_response
from yiwang.core.pagination import paginate
from yiwang.network import rules

from .. import selectors
from ..forms import AttendanceFilterForm
from .common import _querystring

HEADER = ["所在学校", "姓名", "用户名", "日期", "时间", "课程", "班次", "主办学校", "签到时间", "学时"]
WIDTHS = [10, 10, 16, 12, 13, 36, 28, 10, 17, 6]


def _attendance(request):
    if not rules.class_runner_school_ids(request.user):
        raise PermissionDenied
    form = AttendanceFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, selectors.attendance_for(request.user, start, end)


@login_required
def attendance(request):
    form, check_ins = _attendance(request)
    return render(
        request,
        "classes/attendance.html",
        {
            "form": form,
            "page": paginate(check_ins, request.GET.get("page"), 50),
            "people": selectors.hours_by_person(check_ins),
            "querystring_without_page": _querystring(request) + "&",
        },
    )


def _rows(check_ins):
    for record in check_ins.iterator(chunk_size=1000):
        entry, session = record.sign_up, record.sign_up.session
        yield [
            entry.home_school.short_name,
            entry.user.full_name,
            entry.user.username,
            session.date,
            f"{session.start_time:%H:%M}–{session.end_time:%H:%M}",
            f"{session.title}（已取消，不计学时）" if session.is_cancelled else session.title,
            session.training_class.name,
            session.training_class.owner_school.short_name,
            timezone.localtime(record.checked_in_at).strftime("%Y-%m-%d %H:%M"),
            0.0 if session.is_cancelled else float(record.hours),
        ]


@login_required
def attendance_export(request):
    """The same check-ins as the page, through the platform's one xlsx writer."""
    _, check_ins = _attendance(request)
    return xlsx_response(write_rows("旁听签到", HEADER, _rows(check_ins), widths=WIDTHS), "attendance.xlsx")

"""整期报名 pages: enrol in a programme, cancel it, the organiser's roster with attendance, 结业."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yiwang.core.errors import NotFoundError
from yiwang.core.excel.writing import write_sheets, xlsx_response
from yiwang.core.views_support import perform
from yiwang.network import rules

from .. import selectors, services
from ..models import Enrolment
from .common import not_found_as_404


@login_required
@require_POST
@not_found_as_404
def enrol(request, pk: int):
    perform(
        request,
        lambda: services.enrol(by=request.user, class_id=pk),
        lambda enrolment: (
            f"整期报名成功：已为您确认本班次 {enrolment.sign_ups.count()} 节课程的席位，请按时签到。"
        ),
        missing_is_404=True,
    )
    return redirect("classes:class_detail", pk=pk)


@login_required
@not_found_as_404
def enrolment_cancel(request, pk: int):
    enrolment = Enrolment.objects.select_related("training_class").filter(pk=pk, user=request.user).first()
    if enrolment is None:
        raise NotFoundError("没有找到这条整期报名。")
    if request.method == "POST":
        perform(
            request,
            lambda: services.cancel_enrolment(by=request.user, enrolment_id=pk),
            f"已取消《{enrolment.training_class.name}》的整期报名。",
        )
        return redirect("classes:class_detail", pk=enrolment.training_class_id)
    return render(
        request,
        "classes/enrolment_cancel.html",
        {"enrolment": enrolment, "sessions": enrolment.sign_ups.filter(status="confirmed").count()},
    )


def _completion_message(decided) -> str:
    done = sum(1 for e in decided if e.completion == "completed")
    return f"已确认结业：{done} 人结业，{len(decided) - done} 人未结业，已分别通知。"


def _runner_class(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    if not training_class.is_programme or not rules.can_run_classes(
        request.user, training_class.owner_school
    ):
        raise PermissionDenied
    return training_class


@login_required
@not_found_as_404
def roster(request, pk: int):
    training_class = _runner_class(request, pk)
    data = selectors.programme_roster(training_class)
    if request.GET.get("format") == "xlsx":
        headers = ["学校", "姓名", "账号"] + [f"{s.date:%m-%d} {s.title}" for s in data.sessions]
        headers += ["出勤场次", "学时", "结业情况"]
        rows = [
            [
                row.enrolment.home_school.short_name,
                row.enrolment.user.full_name or row.enrolment.user.username,
                row.enrolment.user.username,
                *[
                    ("取消" if s.is_cancelled else ("✓" if hit else ""))
                    for s, hit in zip(data.sessions, row.attended, strict=True)
                ],
                f"{row.attended_count}/{data.counted_sessions}",
                row.hours,
                row.enrolment.get_completion_display() or "未确认",
            ]
            for row in data.rows
        ]
        return xlsx_response(
            write_sheets([("学员名册", headers, rows)]), f"{training_class.name}学员名册.xlsx"
        )
    return render(request, "classes/roster.html", {"training_class": training_class, "roster": data})


@login_required
@not_found_as_404
def complete(request, pk: int):
    training_class = _runner_class(request, pk)
    if request.method == "POST":
        perform(
            request,
            lambda: services.complete_programme(by=request.user, class_id=pk),
            _completion_message,
        )
        return redirect("classes:roster", pk=pk)
    data = selectors.programme_roster(training_class)
    return render(
        request, "classes/complete_confirm.html", {"training_class": training_class, "roster": data}
    )

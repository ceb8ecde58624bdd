"""One session: its page (with the sign-up list for the class runners), edit, move, cancel, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.banks.listing import form_page
from yiwang.core.errors import DomainError
from yiwang.core.views_support import form_error, perform_posted
from yiwang.network import rules

from .. import selectors, services
from ..forms import CancelSessionForm, MoveSessionForm, SessionForm
from ..models import Session
from .common import not_found_as_404, runner_session


def _session_initial(session: Session) -> dict:
    fields = [f for f in services.SESSION_FIELDS if f != "is_cancelled"]
    initial = {f: getattr(session, f) for f in fields}
    for key in ("signup_opens_at", "signup_closes_at"):
        if initial[key]:
            initial[key] = timezone.localtime(initial[key])
    return initial


@login_required
@not_found_as_404
def session_detail(request, pk: int):
    session = selectors.access_session(request.user, pk)
    can_run = rules.can_run_classes(request.user, session.training_class.owner_school)
    context = {
        "session": session,
        "can_run": can_run,
        "my_sign_up": selectors.active_sign_up_of(request.user, session),
        "summary": None,
    }
    if can_run:
        context.update(
            sign_ups=selectors.session_sign_ups(session),
            summary=selectors.session_rating_summary(session),
            move_form=MoveSessionForm(
                initial={"date": session.date, "start_time": session.start_time, "end_time": session.end_time}
            ),
        )
    return render(request, "classes/session_detail.html", context)


@login_required
@not_found_as_404
def session_edit(request, pk: int):
    session = runner_session(request, pk)
    form = SessionForm(request.POST or None, viewer=request.user, initial=_session_initial(session))
    return form_page(
        request,
        form,
        lambda: services.update_session(by=request.user, session=session, **form.service_fields()),
        template="classes/session_form.html",
        context={"training_class": session.training_class, "session": session},
        success=lambda _: "课程安排已保存；已报名的人员会收到变更通知。",
        detail="classes:session_detail",
    )


@login_required
@require_POST
@not_found_as_404
def session_move(request, pk: int):
    session = selectors.access_session(request.user, pk)
    form = MoveSessionForm(request.POST)
    perform_posted(
        request,
        form,
        lambda: services.update_session(by=request.user, session=session, **form.cleaned_data),
        "课程已调整时间。",
        invalid="请填写新的日期、开始和结束时间。",
    )
    return redirect("classes:session_detail", pk=pk)


@login_required
@not_found_as_404
def session_cancel(request, pk: int):
    """Asks first: what cancelling will do (people notified, 学时 no longer credited, ratings
    left out of the roll-ups), with the reason field; the reason is required after check-ins."""
    session = runner_session(request, pk)
    if session.is_cancelled:
        messages.error(request, "该课程已取消。")
        return redirect("classes:session_detail", pk=pk)
    effects = selectors.cancellation_effects(session)
    form = CancelSessionForm(request.POST or None, reason_required=bool(effects["check_ins"]))
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(by=request.user, session=session, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            told = f"已通知 {effects['notified']} 位报名人员。" if effects["notified"] else ""
            messages.success(request, f"课程已取消。{told}")
            return redirect("classes:session_detail", pk=pk)
    return render(
        request, "classes/session_cancel.html", {"session": session, "effects": effects, "form": form}
    )


@login_required
@require_POST
@not_found_as_404
def session_delete(request, pk: int):
    session = selectors.access_session(request.user, pk)
    class_pk = session.training_class_id
    try:
        services.delete_session(by=request.user, session=session)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("classes:session_detail", pk=pk)
    messages.success(request, "课程已删除。")
    return redirect("classes:class_detail", pk=class_pk)

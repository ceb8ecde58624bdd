"""旁听报名 pages: sign up, cancel, my sign-ups (with my feeds), the home school's approvals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError, NotFoundError
from yiwang.network import rules

from .. import selectors, services
from ..enums import SignUpStatus
from ..forms import FeedForm
from .common import not_found_as_404


@login_required
@require_POST
@not_found_as_404
def sign_up(request, pk: int):
    try:
        entry = services.sign_up(by=request.user, session_id=pk)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        messages.error(request, exc.message)
    else:
        level = messages.SUCCESS if entry.status == SignUpStatus.CONFIRMED else messages.WARNING
        messages.add_message(request, level, services.sign_up_message(entry))
    return redirect("classes:session_detail", pk=pk)


@login_required
@require_POST
def sign_up_cancel(request, pk: int):
    try:
        entry = services.cancel_sign_up(by=request.user, sign_up_id=pk)
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "classes:mine")
    messages.success(request, f"已取消《{entry.session.title}》的报名。")
    return redirect(request.POST.get("next") or "classes:mine")


@login_required
def mine(request):
    teacher = getattr(request.user, "teacher_profile", None)
    new_feed_url = request.session.pop("classes_new_feed_url", None)
    return render(
        request,
        "classes/mine.html",
        {
            "sign_ups": selectors.my_sign_ups(request.user)[:200],
            "enrolments": selectors.my_enrolments(request.user)[:50],
            "teacher": teacher,
            "teacher_summary": selectors.teacher_rating_summary(teacher) if teacher else None,
            "feeds": selectors.calendar_tokens_of(request.user),
            "feed_form": FeedForm(viewer=request.user),
            "new_feed_url": new_feed_url,
            "now": timezone.now(),
        },
    )


@login_required
def approvals(request):
    if not rules.class_runner_school_ids(request.user):
        raise PermissionDenied
    return render(
        request, "classes/approvals.html", {"pending": selectors.pending_approvals_for(request.user)[:200]}
    )


@login_required
@require_POST
def approval_decide(request, pk: int, decision: str):
    try:
        if decision == "approve":
            entry = services.approve_sign_up(by=request.user, sign_up_id=pk)
            messages.success(request, f"已批准{entry.user}的报名：{entry.get_status_display()}。")
        else:
            entry = services.reject_sign_up(
                by=request.user, sign_up_id=pk, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已拒绝{entry.user}的报名。")
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("classes:approvals")

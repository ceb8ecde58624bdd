"""评课: the rating form's submission from the QR page, and a session's ratings for its runners."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError
from yiwang.core.request_context import client_ip
from yiwang.core.views_support import form_error

from .. import selectors, services
from ..enums import INDICATORS
from ..forms import EvaluationForm
from .checkins import _device_id, _qr_session, qr_landing
from .common import not_found_as_404, runner_session


@require_POST
def qr_rate(request, token: str):
    form = EvaluationForm(request.POST)
    device_id = _device_id(request)
    try:
        _qr_session(token)
        scores = {name: request.POST.get(name) for name, _ in INDICATORS}
        services.submit_evaluation(
            qr=token,
            scores=scores,
            comment=request.POST.get("comment", ""),
            user=request.user,
            device_id=device_id,
            ticket=request.POST.get("ticket", ""),
            ip=client_ip(request),
        )
    except DomainError as exc:
        if exc.code == "bad_qr":
            return render(request, "classes/qr_invalid.html", {"message": exc.message}, status=400)
        form.is_valid()
        form_error(form, exc)
        return qr_landing(request, token, form=form, status=exc.status)
    messages.success(request, "感谢评课！您的评价已提交。")
    return redirect("classes:qr_landing", token=token)


@login_required
@not_found_as_404
def session_evaluations(request, pk: int):
    session = runner_session(request, pk)
    return render(
        request,
        "classes/session_evaluations.html",
        {
            "session": session,
            "summary": selectors.session_rating_summary(session),
            "evaluations": selectors.session_evaluations(session)[:500],
            "indicators": INDICATORS,
        },
    )

"""The room's QR code and what a phone opens from it: check in (signed in) and rate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError
from yiwang.core.request_context import client_ip

from .. import selectors, services, tokens
from ..forms import EvaluationForm
from ..models import Session
from .common import not_found_as_404, runner_session


def _qr_url(request, session) -> str:
    return request.build_absolute_uri(reverse("classes:qr_landing", args=[tokens.qr_token(session)]))


@login_required
@not_found_as_404
def session_qr(request, pk: int):
    session = runner_session(request, pk)
    return render(
        request,
        "classes/session_qr.html",
        {
            "session": session,
            "qr_url": _qr_url(request, session),
            "window": tokens.qr_window(session),
        },
    )


@login_required
@not_found_as_404
def session_qr_image(request, pk: int, fmt: str):
    session = runner_session(request, pk)
    url = _qr_url(request, session)
    if fmt == "png":
        response = HttpResponse(tokens.qr_png(url), content_type="image/png")
    else:
        response = HttpResponse(tokens.qr_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def _device_id(request) -> str:
    return request.get_signed_cookie(tokens.DEVICE_COOKIE, default="", salt=tokens.DEVICE_COOKIE_SALT) or ""


def _with_device_cookie(request, response, device_id: str):
    if request.COOKIES.get(tokens.DEVICE_COOKIE) is None or not _device_id(request):
        response.set_signed_cookie(
            tokens.DEVICE_COOKIE,
            device_id,
            salt=tokens.DEVICE_COOKIE_SALT,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _qr_session(token: str):
    session_id = tokens.session_id_from_qr(token)
    session = (
        Session.objects.select_related("training_class__owner_school", "teacher", "topic")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    tokens.check_qr_window(session)
    return session


def qr_landing(request, token: str, form: EvaluationForm | None = None, status: int = 200):
    """What a phone opens from the room's QR code: check in (signed in) and rate (no sign-in needed)."""
    try:
        session = _qr_session(token)
    except DomainError as exc:
        return render(request, "classes/qr_invalid.html", {"message": exc.message}, status=400)
    device_id = _device_id(request) or tokens.new_device_id()
    user = request.user
    rated = services.has_rated(session, user=user, device_id=device_id)
    started = timezone.now() >= session.starts_at
    ticket, ticket_error = "", ""
    if started and not rated and not user.is_authenticated:
        try:  # one-time 评课凭证 for this device, issued as the rating page opens
            ticket = services.issue_rating_ticket(session, ip=client_ip(request))
        except DomainError as exc:
            ticket_error = exc.message
    context = {
        "session": session,
        "token": token,
        "form": form or EvaluationForm(),
        "ticket": ticket,
        "ticket_error": ticket_error,
        "rated": rated,
        "my_sign_up": selectors.active_sign_up_of(user, session),
        "started": started,
    }
    return _with_device_cookie(
        request, render(request, "classes/qr_landing.html", context, status=status), device_id
    )


@require_POST
def qr_check_in(request, token: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('classes:qr_landing', args=[token])}")
    try:
        record = services.check_in(by=request.user, qr=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"签到成功（{timezone.localtime(record.checked_in_at):%H:%M}），计入学时 {record.hours} 小时。",
        )
    return redirect("classes:qr_landing", token=token)

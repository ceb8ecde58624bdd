"""One small page helper the 交流协作 apps share (exchanges, sites, alliances): a POSTed form that
calls one service and goes back to a page, with the outcome as a flash message."""

from django.contrib import messages

from yiwang.core.errors import DomainError


def post_form(request, form, *, invalid: str, action, success: str) -> bool:
    """Run ``action(**form.cleaned_data)`` for a valid ``form``; flash ``success``, the service's
    refusal, or ``invalid`` (bad input: nothing changed). True when the service ran."""
    if not form.is_valid():
        messages.error(request, invalid)
        return False
    try:
        action(**form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True

"""Small page helpers the 交流协作 apps share (exchanges, sites, alliances): a POSTed form that
calls one service and goes back to a page, with the outcome as a flash message."""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect

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


def post_back(request, form_class, service, *, to: str, **target):
    """A POST-only action on one object's page, whole: bind ``form_class`` to the request (data
    and files), run ``service(by=<user>, <name>=<object>, **cleaned_data)`` through
    :func:`post_form` with the form's own ``invalid_message`` / ``success_message``, and go back to
    the page ``to`` (a URL name taking the object's pk). ``target`` is the one ``name=object``."""
    [obj] = target.values()
    form = form_class(request.POST, request.FILES)
    post_form(
        request,
        form,
        invalid=form.invalid_message,
        action=partial(service, by=request.user, **target),
        success=form.success_message,
    )
    return redirect(to, pk=obj.pk)

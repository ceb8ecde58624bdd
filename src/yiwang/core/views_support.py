"""Small helpers shared by the pages of every app (kept out of any one app's views)."""

from django.contrib import messages

from yiwang.core.errors import DomainError, NotFoundError


def querystring_without_page(request) -> str:
    """The current query string without ``page``, ready for ``?{{ this }}page=N`` links."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def form_error(form, exc: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else on top."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def submit_form(request, form, action):
    """Run ``action()`` (a service call) for a POSTed, valid form.

    Returns what the service returned (``True`` if it returned nothing), or ``None`` when the
    form was not posted, is invalid, or the service refused — a refusal's Chinese message is
    then shown on the form and nothing was changed.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action()
    except DomainError as exc:
        form_error(form, exc)
        return None
    return True if result is None else result


def perform(request, action, success, *, missing_is_404: bool = False):
    """Run ``action()`` (a service call) for a button that posts no form (publish, cancel, enrol…).

    On success shows ``success`` — a message, or a function of what the service returned that
    gives one — and returns that result (``True`` if it returned nothing). On a refusal shows the
    refusal's Chinese message and returns ``None``: nothing was changed. With ``missing_is_404`` a
    ``NotFoundError`` (the thing is not there or not visible) is not a refusal but the page's 404.
    """
    try:
        result = action()
    except DomainError as exc:
        if missing_is_404 and isinstance(exc, NotFoundError):
            raise
        messages.error(request, exc.message)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return True if result is None else result


def perform_posted(request, form, action, success, *, invalid: str):
    """``perform`` for a small form posted from a button row of another page (move a session,
    copy a day): an invalid form shows ``invalid`` and runs nothing."""
    if not form.is_valid():
        messages.error(request, invalid)
        return None
    return perform(request, action, success)

"""Small helpers shared by the pages of every app (kept out of any one app's views)."""

from yiwang.core.errors import DomainError


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

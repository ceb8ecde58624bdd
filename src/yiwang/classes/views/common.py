"""What the page modules share: 404 for invisible items, form errors, query strings."""

from functools import wraps

from django.http import Http404

from yiwang.core.errors import DomainError, NotFoundError


def not_found_as_404(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404("未找到该记录，或您无权查看。") from None

    return wrapper


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _querystring(request, **overrides) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in overrides.items():
        params[key] = value
    return params.urlencode()

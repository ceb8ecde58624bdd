"""What the page modules share: 404 for invisible items, the runner's session, query strings."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from yiwang.core.errors import NotFoundError
from yiwang.network import rules

from .. import selectors


def not_found_as_404(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404("未找到该记录，或您无权查看。") from None

    return wrapper


def runner_session(request, pk: int):
    """The session ``pk`` for someone who runs its school's classes (404 if not visible, else 403)."""
    session = selectors.access_session(request.user, pk)
    if not rules.can_run_classes(request.user, session.training_class.owner_school):
        raise PermissionDenied
    return session


def _querystring(request, **overrides) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in overrides.items():
        params[key] = value
    return params.urlencode()

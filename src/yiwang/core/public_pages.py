"""Detail pages of items shared as 公开 open without signing in.

``public_detail`` wraps such a view: a signed-in person gets what the view answers; an
anonymous visitor gets the page when the item's ``access_<thing>`` lets them see it (only
public items), and otherwise the sign-in page — the same answer for a missing and for a
not-public item, so nothing leaks."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from .errors import NotFoundError


def public_detail(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            return redirect_to_login(request.get_full_path())

    return wrapper

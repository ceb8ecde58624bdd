from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control

from .errors import NotFoundError, PermissionDeniedError
from .request_context import client_ip, current_ip


class RequestContextMiddleware:
    """Make the client IP available to services for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class PrivateCacheMiddleware:
    """Pages for a signed-in person may be kept by their own browser only, never by a proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


class DomainErrorPagesMiddleware:
    """Pages: a ``NotFoundError`` a view lets through is a 404, a ``PermissionDeniedError`` a 403.

    Views call ``access_<thing>`` and let its refusal go; no per-view ``_or_404`` wrapper.
    The JSON API maps every ``DomainError`` itself (``yiwang.api``), so none reaches here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFoundError):
            raise Http404(exception.message) from exception
        if isinstance(exception, PermissionDeniedError):
            raise PermissionDenied(exception.message) from exception
        return None

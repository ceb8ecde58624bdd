"""API authentication: a personal token (``Authorization: Bearer``), else the session, else anonymous."""

from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from yiwang.core.errors import PermissionDeniedError

from .services import user_for_api_key


class OptionalBearer(HttpBearer):
    """``Authorization: Bearer <token>`` if sent; else the session user; else anonymous.

    Public items are readable without signing in, so a request with no
    credentials passes as AnonymousUser; a wrong or revoked token is refused.
    A request authenticated by the session cookie must carry the CSRF token
    for unsafe methods (a cross-site form or ``text/plain`` POST is refused);
    bearer-token requests need none, as no browser sends that header by itself.
    """

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header:
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            check_session_csrf(request)
            return user
        return AnonymousUser()

    def authenticate(self, request, token):
        user = user_for_api_key(token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


_csrf_check = _CsrfCheck(lambda request: None)


def check_session_csrf(request) -> None:
    """Refuse an unsafe, cookie-authenticated API request without a valid CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return
    failure = _csrf_check.process_view(request, None, (), {})
    if failure is not None:
        raise PermissionDeniedError(
            "请求缺少有效的 CSRF 令牌：以登录状态调用写接口时须带上 X-CSRFToken 请求头，或改用个人 API 令牌。"
        )


class SignedIn(OptionalBearer):
    """Like OptionalBearer but anonymous requests are refused."""

    def __call__(self, request):
        user = super().__call__(request)
        if user is None or not user.is_authenticated:
            raise AuthenticationError()
        return user

"""API authentication: a personal token (``Authorization: Bearer``), else the session, else anonymous."""

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from .services import user_for_api_key


class OptionalBearer(HttpBearer):
    """``Authorization: Bearer <token>`` if sent; else the session user; else anonymous.

    Public items are readable without signing in, so a request with no
    credentials passes as AnonymousUser; a wrong or revoked token is refused.
    """

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header:
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return AnonymousUser()

    def authenticate(self, request, token):
        user = user_for_api_key(token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


class SignedIn(OptionalBearer):
    """Like OptionalBearer but anonymous requests are refused."""

    def __call__(self, request):
        user = super().__call__(request)
        if user is None or not user.is_authenticated:
            raise AuthenticationError()
        return user

import json
import time

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .errors import NotFoundError, PermissionDeniedError
from .request_context import client_ip, current_ip
from .validators import CONTROL_CHARACTERS_REFUSED, has_control_characters, strip_control_characters

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _bad_json_field(value, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) in a JSON document holding a control character."""
    if isinstance(value, str):
        return (path or "body") if has_control_characters(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                return child
            found = _bad_json_field(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_json_field(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


def bad_input_field(request) -> str | None:
    """The name of the first submitted field (form field, uploaded file name or JSON member)
    whose text holds a control character, or None when the whole submission is clean."""
    if request.content_type in FORM_CONTENT_TYPES:
        for key, values in request.POST.lists():
            if has_control_characters(key) or any(has_control_characters(v) for v in values):
                return key
        for key, uploads in request.FILES.lists():
            if any(has_control_characters(upload.name or "") for upload in uploads):
                return key
        return None
    body = request.body
    if not body:
        return None
    try:
        document = json.loads(body)
    except ValueError:  # not JSON: the API refuses it with its own validation message
        return None
    return _bad_json_field(document)


def _stripped_query(query: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(strip_control_characters(key), [strip_control_characters(v) for v in values])
    cleaned._mutable = False
    return cleaned


class ControlCharacterMiddleware:
    """The one input boundary for text: NUL and the other control characters never reach a
    form, an API schema, a service or the database.

    * Query strings (search, filters, paging): the characters are stripped.
    * Submitted forms and API bodies (POST/PUT/PATCH/DELETE): refused as a whole with a
      Chinese message naming the field — a 400 page, or the API's error shape — so nothing
      is saved. Tab and newlines stay allowed (multi-line text).
    * A path holding them: refused the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.path):
            return self.refuse(request, "path")
        if request.GET and any(
            has_control_characters(key) or any(has_control_characters(v) for v in values)
            for key, values in request.GET.lists()
        ):
            request.GET = _stripped_query(request.GET)
        if request.method in UNSAFE_METHODS:
            field = bad_input_field(request)
            if field is not None:
                return self.refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def refuse(request, field: str):
        message = f"提交的内容{CONTROL_CHARACTERS_REFUSED}（字段：{field}）。本次提交未保存。"
        if request.path.startswith("/api/"):
            body = {"error": {"code": "control_characters", "message": message, "field": field}}
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"message": message}, status=400)


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


class SlidingSessionMiddleware:
    """Sign out after ``SESSION_COOKIE_AGE`` of inactivity without writing the session on every
    request (``SESSION_SAVE_EVERY_REQUEST`` cost an UPDATE — on SQLite a write lock — on every page):
    a signed-in request moves the expiry forward when the last move is ``REFRESH_SECONDS`` or more
    old, so the idle limit holds to within that much."""

    REFRESH_SECONDS = 60
    KEY = "_idle_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(self.KEY, 0) >= self.REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return response

    @classmethod
    def on_sign_in(cls, sender, request, user, **kwargs):
        """Signing in is activity: the session starts with its expiry just set (``user_logged_in``)."""
        session = getattr(request, "session", None)
        if session is not None:
            session[cls.KEY] = int(time.time())


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

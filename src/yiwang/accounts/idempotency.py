"""Idempotent API writes: ``Idempotency-Key`` on POST/PUT/PATCH/DELETE under ``/api/``.

A client that may resend a write (a provincial platform's sync, a school's spreadsheet robot)
sends a key of its choosing, the same for every retry of one logical request:

* first time: the request runs inside one transaction together with the stored key; a 2xx
  answer is kept beside the key, any other answer releases the key (nothing was written);
* the same caller, key and request again (method, path, query and body): the first answer is
  returned, with ``Idempotent-Replayed: true``, and nothing runs — even while the first
  request is still running, the repeat waits on the key's unique row and then replays;
* the same key with a different request: refused (422) with a Chinese message;
* keys are scoped to the caller (token or session user) and expire after
  ``IDEMPOTENCY_KEY_HOURS`` (24 by default). Anonymous requests are not deduplicated.
"""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from yiwang.core.errors import PermissionDeniedError

from .api_auth import check_session_csrf
from .models import IdempotencyKey
from .services import user_for_api_key

HEADER = "Idempotency-Key"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
BAD_KEY = "Idempotency-Key 应为 1–255 个可见 ASCII 字符（建议每个请求使用一个新的 UUID）。"
KEY_REUSED = (
    "该 Idempotency-Key 已用于另一个不同的请求；同一个键只能用于重试完全相同的请求，新请求请换一个新键。"
)


def _error(code: str, message: str, status: int) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "field": HEADER}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    digest.update(request.body)
    return digest.hexdigest()


def _caller(request):
    """The user the API will act for: the bearer token's owner, else the session user (only
    when the request passes the API's CSRF check), else None."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        return user_for_api_key(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        check_session_csrf(request)
    except PermissionDeniedError:
        return None  # the API refuses it itself; never replay to a forged request
    return user


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(record.content), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not KEY_PATTERN.fullmatch(key):
            return _error("idempotency_key_invalid", BAD_KEY, 400)
        user = _caller(request)
        if user is None:
            return self.get_response(request)
        now = timezone.now()
        digest = fingerprint(request)
        with transaction.atomic():
            IdempotencyKey.objects.filter(user=user, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        fingerprint=digest,
                        created_at=now,
                        expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
                    )
            except IntegrityError:
                # Another request with this key committed first (a concurrent one was waited for).
                first = IdempotencyKey.objects.get(user=user, key=key)
                if first.fingerprint != digest:
                    return _error("idempotency_key_reused", KEY_REUSED, 422)
                return _replay(first)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing of a failed request stays, the key included
            elif 200 <= response.status_code < 300 and not response.streaming:
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.content = response.content
                record.save(update_fields=["status_code", "content_type", "content"])
            else:
                record.delete()  # a refusal wrote nothing: the same key may be used for the corrected retry
        return response

"""Secret keys shown to a person once (API tokens, calendar feed URLs): only their hash is stored.

A key model has ``key_hash``, ``user`` and ``revoked_at``; ``live_token`` finds the unrevoked token
of an active user for a key, ``revoke_own`` revokes one of a person's own tokens.
"""

import hashlib
import secrets

from django.db.models import QuerySet
from django.utils import timezone


def new_key(prefix: str, length: int = 24) -> str:
    """A fresh random key (``prefix`` says what it opens, e.g. ``"cal_"``)."""
    return prefix + secrets.token_urlsafe(length)


def key_hash(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def live_token(queryset: QuerySet, key: str):
    """The unrevoked token of an active user whose key is ``key``, or ``None``."""
    return queryset.filter(key_hash=key_hash(key or ""), revoked_at=None, user__is_active=True).first()


def revoke_own(queryset: QuerySet, *, user_id: int, token_id, missing: Exception):
    """Lock and revoke one of the person's unrevoked tokens (inside the caller's transaction);
    raises ``missing`` when there is none with that id."""
    token = queryset.select_for_update().filter(pk=token_id, user_id=user_id, revoked_at=None).first()
    if token is None:
        raise missing
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token

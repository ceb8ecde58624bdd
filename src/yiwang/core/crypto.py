"""Personal contact data at rest: AES-256-GCM (``cryptography``'s AEAD) plus a keyed hash.

A value of an :class:`EncryptedField` is stored as ``<hash>$<key id>$<nonce+ciphertext>``:

* ``<hash>`` — 64 hex digits, HMAC-SHA256 of the normalised value under
  ``PERSONAL_DATA_HASH_KEY`` (phones: digits only; e-mail: lower case). It stands beside the
  ciphertext so an exact lookup (``Teacher.objects.filter(phone="138…")``, duplicate checks)
  compares hashes through an index on ``SUBSTR(column, 1, 64)``. It is made from the same
  value on every write path (``save``, ``bulk_create``, ``update``, the banks' raw batch
  inserts), so it can never go stale. The same number gives the same hash in every table.
* ``<key id>`` — which of ``PERSONAL_DATA_KEYS`` encrypted it; the first key encrypts, every
  listed key decrypts (rotation: put a new key first, run ``yiwang reencrypt_personal_data``,
  then drop the old key).
* the ciphertext is bound to its table and column (associated data), so a value copied into
  another column does not decrypt.

Reads decrypt transparently, so selectors, masking and exports see plain text; the database,
its backups and its dumps hold ciphertext only. Legacy plain values (rows written before the
migration that encrypts them) are read as they are. Decision 0008.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast, Substr
from django.db.models.lookups import Exact, In

HASH_LENGTH = 64
STORED = re.compile(r"(?P<hash>[0-9a-f]{64})\$(?P<kid>[A-Za-z0-9_-]{1,16})\$(?P<data>[A-Za-z0-9_=-]+)")
DEV_KEY_LABEL = b"yiwang personal data (dev default from SECRET_KEY)"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derived(label: bytes) -> bytes:
    return _derived_from(label, settings.SECRET_KEY)


@functools.lru_cache(maxsize=8)
def _derived_from(label: bytes, secret_key: str) -> bytes:
    return hashlib.sha256(label + b"\x00" + secret_key.encode()).digest()


def encryption_keys() -> list[tuple[str, bytes]]:
    """``[(key id, 32-byte key), …]`` from ``PERSONAL_DATA_KEYS`` (``id:base64url``, comma
    separated, the first encrypts); without it a development key derived from SECRET_KEY."""
    return list(_parsed_keys(tuple(settings.PERSONAL_DATA_KEYS), settings.SECRET_KEY))


@functools.lru_cache(maxsize=8)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


@functools.lru_cache(maxsize=8)
def _parsed_keys(configured: tuple, secret_key: str) -> tuple:
    if not configured:
        return (("dev", _derived(DEV_KEY_LABEL)),)
    keys = []
    for item in configured:
        kid, _, encoded = item.partition(":")
        try:
            key = _b64decode(encoded.strip())
        except ValueError:
            key = b""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", kid.strip()) or len(key) != 32:
            raise ImproperlyConfigured(
                "PERSONAL_DATA_KEYS 的每一项应为“编号:32 字节密钥的 base64url”，"
                "可用 `yiwang personal_data_key` 生成。"
            )
        keys.append((kid.strip(), key))
    return tuple(keys)


def hash_key() -> bytes:
    configured = settings.PERSONAL_DATA_HASH_KEY
    if not configured:
        return _derived(DEV_KEY_LABEL + b" hash")
    return configured.encode()


def new_key() -> str:
    """A fresh key for ``PERSONAL_DATA_KEYS`` (base64url, 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "phone":
        return re.sub(r"\D", "", value)
    if kind == "email":
        return value.lower()
    return value


@functools.lru_cache(maxsize=8)
def _hasher(key: bytes):
    """An HMAC-SHA256 keyed with ``key`` and fed nothing yet: each hash copies it (the key's
    padding is computed once, not for every value of a 100 000-row import)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def keyed_hash(kind: str, value: str) -> str:
    """The lookup hash of ``value`` (``""`` for an empty value)."""
    if not value:
        return ""
    digest = _hasher(hash_key()).copy()
    digest.update(f"{kind}\x00{normalise(kind, value)}".encode())
    return digest.hexdigest()


def encrypt(kind: str, value: str, *, context: str) -> str:
    if not value:
        return ""
    kid, key = _parsed_keys(tuple(settings.PERSONAL_DATA_KEYS), settings.SECRET_KEY)[0]
    nonce = os.urandom(12)
    data = nonce + _cipher(key).encrypt(nonce, value.encode(), context.encode())
    return f"{keyed_hash(kind, value)}${kid}${base64.urlsafe_b64encode(data).decode().rstrip('=')}"


def is_encrypted(stored: str) -> bool:
    return bool(stored) and STORED.fullmatch(stored) is not None


def stored_key_id(stored: str) -> str | None:
    match = STORED.fullmatch(stored or "")
    return match["kid"] if match else None


def decrypt(stored: str, *, context: str) -> str:
    match = STORED.fullmatch(stored or "")
    if match is None:
        return stored  # empty, or a legacy plain value not yet encrypted
    keys = dict(encryption_keys())
    key = keys.get(match["kid"])
    if key is None:
        raise ImproperlyConfigured(f"缺少编号为“{match['kid']}”的个人信息密钥（PERSONAL_DATA_KEYS）。")
    data = _b64decode(match["data"])
    try:
        return _cipher(key).decrypt(data[:12], data[12:], context.encode()).decode()
    except InvalidTag:
        raise ImproperlyConfigured(f"个人信息无法解密：编号为“{match['kid']}”的密钥不正确。") from None


class EncryptedField(models.TextField):
    """Text stored encrypted, with its keyed hash in front (see the module doc).

    ``kind`` (``phone``, ``email``, ``id_number``…) chooses the normalisation of the hash.
    Exact and ``in`` lookups compare hashes; other lookups (contains, ordering) are refused,
    as they would silently compare ciphertext. Give the model an index on
    :func:`hash_index_expression` for the lookups."""

    def __init__(self, *args, kind: str = "text", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or is_encrypted(value):
            return value
        return encrypt(self.kind, value, context=self.context)

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in", "isnull"):
            return super().get_lookup(lookup_name)
        raise FieldError(f"加密字段“{self.name}”只能按完整值查找（exact / in），不能用“{lookup_name}”。")

    def get_transform(self, lookup_name):
        return None


def hash_index_expression(field_name: str):
    """The indexed expression the exact lookups of an encrypted field compare."""
    return Substr(field_name, 1, HASH_LENGTH)


@EncryptedField.register_lookup
class EncryptedExact(Exact):
    """``field = value`` as ``SUBSTR(field, 1, 64) = keyed_hash(value)`` ("" stays "")."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        if self.rhs in ("", None):
            return super().as_sql(compiler, connection)
        lhs_sql, lhs_params = compiler.compile(Substr(self.lhs, 1, HASH_LENGTH))
        return f"{lhs_sql} = %s", (*lhs_params, keyed_hash(field.kind, str(self.rhs)))


@EncryptedField.register_lookup
class EncryptedIn(In):
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        hashes = sorted({keyed_hash(field.kind, str(v)) for v in self.rhs if v not in ("", None)})
        if not hashes:
            return "1 = 0", ()
        lhs_sql, lhs_params = compiler.compile(Substr(self.lhs, 1, HASH_LENGTH))
        return f"{lhs_sql} IN ({', '.join(['%s'] * len(hashes))})", (*lhs_params, *hashes)


def reencrypt_model(model, *, force: bool = False) -> int:
    """Rewrite the encrypted fields of ``model`` whose values are plain or under an old key
    (``yiwang reencrypt_personal_data``, and the migrations that encrypt existing rows —
    ``model`` may be a migration's historical model)."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
    if not fields:
        return 0
    current = encryption_keys()[0][0]
    changed = 0
    columns = [f.attname for f in fields]
    # Read the stored text itself (not decrypted) to see which key wrote it.
    raw_columns = {f"raw_{name}": Cast(name, models.TextField()) for name in columns}
    raw = list(model._base_manager.annotate(**raw_columns).values_list("pk", *raw_columns))
    with transaction.atomic():
        for pk, *stored in raw:
            if not force and all(not v or stored_key_id(v) == current for v in stored):
                continue
            changed += 1
            values = {}
            for field, value in zip(fields, stored, strict=True):
                plain = field.from_db_value(value, None, None)
                values[field.attname] = encrypt(field.kind, plain, context=field.context) if plain else ""
            model._base_manager.filter(pk=pk).update(**values)
    return changed

"""Test settings: fast hashing, plain static storage, in-memory mail."""

import os

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-secret-key"
# Fixed test keys for personal data (core.crypto); never used outside the tests.
PERSONAL_DATA_KEYS = ["t1:dGVzdC1rZXktZm9yLXBlcnNvbmFsLWRhdGEtYWVzMiE"]
PERSONAL_DATA_HASH_KEY = "test-personal-data-hash-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
ALLOWED_HOSTS = ["*"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Tests keep a per-process cache (cleared by the tests that use it); tests/core/test_shared_cache.py
# checks the shared database cache itself.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_yiwang")}
else:
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": None}
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", "/tmp/yiwang-test-media")
# Tests close connections after each request so the test database can be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The PostgreSQL index's recency windows (search/backends.py) on a test-sized network: four ids
# per bucket, and every word looked up window by window, so the tests run that path on every search.
SEARCH_RECENCY_BUCKET = 4
SEARCH_WINDOW_MIN_MATCHES = 0

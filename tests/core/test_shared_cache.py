"""Part 8 (the shared cache): rate limits count in one cache every server process shares —
the database cache by default (its table made by the migrations), Redis when REDIS_URL is set."""

import importlib
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

pytestmark = pytest.mark.django_db


def production_caches(tmp_path, **env_overrides) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="yiwang.settings.production",
        SECRET_KEY="x" * 60,
        YIWANG_DATA_DIR=str(tmp_path),
        **env_overrides,
    )
    code = "import django; django.setup(); from django.conf import settings as s; d = s.CACHES['default']; print(d['BACKEND'], d['LOCATION'])"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_default_cache_is_the_database_cache(tmp_path):
    assert production_caches(tmp_path) == "django.core.cache.backends.db.DatabaseCache yiwang_cache"


def test_redis_when_redis_url_is_set(tmp_path):
    assert (
        production_caches(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
        == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/0"
    )


def test_two_processes_share_one_count_through_the_database_cache():
    """Two cache objects stand for two server processes: a per-process cache would count 1 each."""
    if "yiwang_cache" not in connection.introspection.table_names():  # a run with --nomigrations
        importlib.import_module("yiwang.core.migrations.0001_cache_table").create_cache_table(
            None, SimpleNamespace(connection=connection)
        )
    first, second = DatabaseCache("yiwang_cache", {}), DatabaseCache("yiwang_cache", {})
    first.add("ratelimit:rating:203.0.113.9", 0, timeout=60)
    first.incr("ratelimit:rating:203.0.113.9")
    second.incr("ratelimit:rating:203.0.113.9")
    assert (first.get("ratelimit:rating:203.0.113.9"), second.get("ratelimit:rating:203.0.113.9")) == (2, 2)

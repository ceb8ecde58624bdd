"""An exact cache for boards: a number is reused only while no record it counts has changed.

Every table an indicator reads (the counted apps' tables and the viewer-context tables) carries
database triggers that bump its row in ``DataVersion`` on every insert, update, delete (and
truncate on PostgreSQL) — in the same transaction as the write, whatever the write path (ORM,
``bulk_create``, ``QuerySet.update``, raw SQL, an import). A board's numbers are cached under a key
made of the viewer (user id and the whole viewer context: schools, system, alliances,
partnerships, capabilities), the scope, the period, today's date, and the **stamp**: all counters
read in one statement before computing. Any committed write to a counted table changes the stamp,
so the next request computes afresh; a cached number is therefore always the number the
drill-down list would count at the time of the stamp. No timeout decides freshness (the cache's
own expiry only frees memory).

The triggers are (re)installed after every ``migrate`` (``install``, from the app's
``post_migrate``), for exactly ``versioned_tables()``; a test checks that every table in every
indicator's SQL is among them.

**SQLite only.** On SQLite writes are serial anyway, so a counter row per table costs one small
update per written row and nothing else. On PostgreSQL the counter rows became a lock every
concurrent writer takes in its own order: 200 simultaneous sign-ups deadlocked
(``tests/classes/test_concurrency.py`` got 500s), which the race guarantees of the sign-up rush
forbid. So on PostgreSQL no trigger is installed (any left by an earlier migrate are dropped) and
``cached`` computes every board afresh — exact, but cold (decision 0010, "PostgreSQL").
"""

import hashlib
from collections.abc import Callable

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from yiwang.network.context import viewer_context

# The apps whose records the indicators count or whose rows decide who sees what.
COUNTED_APPS = (
    "alliances",
    "calls",
    "classes",
    "codev",
    "courses",
    "exchanges",
    "faculty",
    "network",
    "research",
    "sites",
    "topics",
)
# Single tables of other apps read by the visibility rule or the viewer context.
COUNTED_MODELS = ("accounts.PlatformRole",)
CACHE_SECONDS = 24 * 3600  # memory only: freshness is the stamp's business


def versioned_tables() -> list[str]:
    tables = set()
    models = [m for label in COUNTED_APPS for m in apps.get_app_config(label).get_models()]
    models += [apps.get_model(label) for label in COUNTED_MODELS]
    for model in models:
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
        for f in model._meta.local_many_to_many:
            through = f.remote_field.through
            if through._meta.auto_created:
                tables.add(through._meta.db_table)
    return sorted(tables)


def _version_table() -> str:
    from .models import DataVersion  # noqa: PLC0415 — models are loaded when this runs

    return DataVersion._meta.db_table


def _sqlite_triggers(table: str) -> list[str]:
    versions = _version_table()
    body = (
        f"INSERT OR IGNORE INTO {versions} (name, epoch, n) VALUES ('{table}', lower(hex(randomblob(8))), 0); "
        f"UPDATE {versions} SET n = n + 1 WHERE name = '{table}';"
    )
    return [
        f'CREATE TRIGGER IF NOT EXISTS "dashv_{table}_{op.lower()}" AFTER {op} ON "{table}" '
        f"FOR EACH ROW BEGIN {body} END"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def enabled(conn=None) -> bool:
    """Whether boards are cached on this database (SQLite: see the module's note)."""
    return (conn or connection).vendor == "sqlite"


def install(using: str = "default", **_kwargs) -> None:
    """Create (or replace) the counters' triggers on every versioned table that exists (SQLite);
    on PostgreSQL remove any an earlier version installed."""
    from django.db import connections  # noqa: PLC0415

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    if _version_table() not in existing:
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS dashboards_bump_version() CASCADE")
            return
        for table in versioned_tables():
            if table not in existing:
                continue
            for sql in _sqlite_triggers(table):
                cursor.execute(sql)


def installed_tables() -> set[str]:
    """The tables that carry a counter trigger now (read from the database's catalogue)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'dashv_%%'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dashv_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def stamp() -> str:
    """Every counter, read in one statement: changes whenever a counted table was written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, epoch, n FROM {_version_table()} ORDER BY name")
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:24]


def viewer_key(viewer) -> str:
    ctx = viewer_context(viewer)
    parts = (
        getattr(viewer, "pk", None),
        ctx.authenticated,
        ctx.sees_everything,
        sorted(ctx.school_ids),
        sorted(ctx.system_school_ids),
        sorted(ctx.alliance_ids),
        sorted(ctx.partnership_ids),
        sorted((pk, sorted(flags)) for pk, flags in ctx.capabilities.items()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def cached(viewer, what: str, parts: tuple, compute: Callable[[], object]):
    """``compute()``'s value for this viewer and ``parts``, reused while the stamp is unchanged."""
    if not enabled():
        return compute()
    parts = (viewer_key(viewer), stamp(), str(timezone.localdate()), *map(str, parts))
    key = f"dash:{what}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:40]}"  # short for any backend
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value

"""Database housekeeping the application does itself.

``refresh_planner_statistics`` keeps the query planner's statistics current, so a list is as
fast right after an import as in a benchmark: SQLite has no statistics at all until
``ANALYZE`` runs (measured: a topic list query at 200 k rows took 462 ms before and 16 ms
after), and PostgreSQL's autovacuum may lag behind a bulk load. It is called after every
Excel import and demo load, and when the server starts.
"""

import logging

from django.db import connection

logger = logging.getLogger(__name__)


def refresh_planner_statistics(tables: list[str] | None = None) -> None:
    """``ANALYZE`` the given tables (every table when ``None``) on SQLite or PostgreSQL."""
    quoted = [connection.ops.quote_name(t) for t in tables or []]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if quoted:
                for table in quoted:
                    cursor.execute(f"ANALYZE {table}")
            else:
                cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(quoted)}" if quoted else "ANALYZE")
    logger.info("planner statistics refreshed for %s", ", ".join(tables) if tables else "all tables")


def model_tables(*models) -> list[str]:
    """The tables of the given models and of their many-to-many link tables."""
    tables = []
    for model in models:
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            tables.append(field.remote_field.through._meta.db_table)
    return list(dict.fromkeys(tables))


def has_planner_statistics(table: str) -> bool:
    """Whether the database holds planner statistics for ``table`` (SQLite ``sqlite_stat1``,
    PostgreSQL an ``ANALYZE`` of the table) — for the tests and the after-import benchmark."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cursor.fetchone()[0] > 0
        cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table])
        row = cursor.fetchone()
        return bool(row and row[0])

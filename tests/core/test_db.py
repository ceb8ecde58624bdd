"""Planner statistics are refreshed by the application (issue #12 part 1)."""

import pytest
from django.db import connection

from yiwang.core.db import model_tables, refresh_planner_statistics
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db


def _has_statistics(table: str) -> bool:
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


def test_refresh_planner_statistics_analyzes_the_tables(network):
    from tests.factories.topics import TopicFactory

    for _ in range(3):
        TopicFactory(owner_school=network.city)
    tables = model_tables(Topic)
    assert "topics_topic" in tables and "topics_topic_teachers" in tables
    refresh_planner_statistics(tables)
    assert _has_statistics("topics_topic")

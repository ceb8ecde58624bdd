"""Planner statistics are refreshed by the application (issue #12 part 1)."""

import pytest

from yiwang.core.db import has_planner_statistics, model_tables, refresh_planner_statistics
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db


def test_refresh_planner_statistics_analyzes_the_tables(network):
    from tests.factories.topics import TopicFactory

    for _ in range(3):
        TopicFactory(owner_school=network.city)
    tables = model_tables(Topic)
    assert "topics_topic" in tables and "topics_topic_teachers" in tables
    refresh_planner_statistics(tables)
    assert has_planner_statistics("topics_topic")

"""适用对象 are rows (TopicAudience), constrained and indexable — no more comma-joined LIKE patterns."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from tests.factories import member
from tests.factories.topics import TopicFactory

from yiwang.topics import selectors
from yiwang.topics.models import TopicAudience

pytestmark = pytest.mark.django_db


def test_audience_filter_finds_exactly_the_topics_with_that_audience(network):
    viewer = member(network.city)
    young = TopicFactory(owner_school=network.city, audiences="main,young", title="甲")
    TopicFactory(owner_school=network.city, audiences="main", title="乙")
    TopicFactory(owner_school=network.city, audiences="faculty,young", title="丙")
    found = sorted(t.title for t in selectors.topics_visible_to(viewer, audience="young"))
    assert found == sorted(["甲", "丙"])
    assert young.audience_labels == ["主体班", "中青班"]


def test_the_database_refuses_an_unknown_or_repeated_audience(network):
    topic = TopicFactory(owner_school=network.city, audiences="main")
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicAudience.objects.create(topic=topic, audience="kids")
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicAudience.objects.create(topic=topic, audience="main")


def test_the_data_migration_keeps_existing_comma_joined_audiences(network):
    migration = importlib.import_module("yiwang.topics.migrations.0003_audiences_as_rows")

    topic = TopicFactory(owner_school=network.city, audiences="")
    rows = [(topic.pk, "young,main,young,unknown")]

    class FakeQuerySet:
        def exclude(self, **kwargs):
            return self

        def values_list(self, *fields):
            return self

        def iterator(self, chunk_size):
            return iter(rows)

    class FakeTopic:
        """Stands for the migration's historical Topic, whose rows still have the ``audiences`` text."""

        objects = FakeQuerySet()

    class Apps:
        def get_model(self, app, name):
            return FakeTopic if name == "Topic" else django_apps.get_model("topics", "TopicAudience")

    migration.copy_audiences(Apps(), None)
    topic.refresh_from_db()
    assert sorted(TopicAudience.objects.filter(topic=topic).values_list("audience", flat=True)) == [
        "main",
        "young",
    ]

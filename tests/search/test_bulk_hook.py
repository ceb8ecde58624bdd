"""Imports tell the index about many rows at once (core.indexing.items_changed)."""

import pytest
from django.db import transaction
from tests.factories.faculty import TeacherFactory

from yiwang.core.indexing import items_changed
from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)


def test_items_changed_indexes_every_row_after_commit(network):
    with transaction.atomic():
        teachers = [
            TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK, name=f"批量{i}号")
            for i in range(1500)
        ]
        SearchDocument.objects.all().delete()
        items_changed(type(teachers[0]), [t.pk for t in teachers])
        assert SearchDocument.objects.count() == 0  # nothing before commit
    assert SearchDocument.objects.filter(object_id__in=[t.pk for t in teachers]).count() == 1500

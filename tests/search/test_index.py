"""The index follows every write: created, changed, retired, drafted, deleted."""

import pytest
from tests.factories import member
from tests.factories.search import make_teacher, make_topic

from yiwang.core.indexing import item_changed, item_removed
from yiwang.faculty.services import create_teacher, retire_teacher, update_teacher
from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchDocument
from yiwang.search.selectors import search_visible_to
from yiwang.topics.enums import PublicationStatus

pytestmark = pytest.mark.django_db


def found(viewer, query):
    return [(h.type, h.title) for h in search_visible_to(viewer, query).hits]


def test_teacher_created_through_the_bank_service_is_found_at_once(
    network, django_capture_on_commit_callbacks
):
    staff = member(network.city, is_teaching_staff=True)
    viewer = member(network.city)
    with django_capture_on_commit_callbacks(execute=True):
        create_teacher(
            by=staff, school=network.city, name="欧阳明", expertise="城市治理", scope=SharingScope.NETWORK
        )
    assert found(viewer, "ouyangming") == [("teacher", "欧阳明")]
    assert found(viewer, "城市治理") == [("teacher", "欧阳明")]


def test_retired_teacher_disappears_at_once(network, django_capture_on_commit_callbacks):
    staff = member(network.city, is_teaching_staff=True)
    viewer = member(network.city)
    with django_capture_on_commit_callbacks(execute=True):
        teacher = create_teacher(by=staff, school=network.city, name="欧阳明", scope=SharingScope.NETWORK)
    with django_capture_on_commit_callbacks(execute=True):
        retire_teacher(by=staff, teacher=teacher)
    assert search_visible_to(viewer, "欧阳明").total == 0
    assert not SearchDocument.objects.filter(doc_type="teacher", object_id=teacher.pk).exists()


def test_changed_item_is_reindexed(network, django_capture_on_commit_callbacks):
    viewer = member(network.city)
    topic = make_topic(network.city, "城市更新的实践")
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(topic)
    topic.title = "海绵城市建设的实践"
    topic.save()
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(topic)
    assert found(viewer, "城市更新") == []
    assert found(viewer, "海绵城市") == [("topic", "海绵城市建设的实践")]
    assert SearchDocument.objects.filter(doc_type="topic", object_id=topic.pk).count() == 1


@pytest.mark.parametrize("status", [PublicationStatus.RETIRED, PublicationStatus.DRAFT])
def test_retired_or_draft_topic_has_no_document(network, status, django_capture_on_commit_callbacks):
    viewer = member(network.city)
    topic = make_topic(network.city, "海绵城市建设的实践")
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(topic)
    assert search_visible_to(viewer, "海绵城市").total == 1
    topic.status = status
    topic.save()
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(topic)
    assert search_visible_to(viewer, "海绵城市").total == 0
    assert not SearchDocument.objects.filter(doc_type="topic").exists()


def test_deleted_item_disappears(network, django_capture_on_commit_callbacks):
    viewer = member(network.city)
    topic = make_topic(network.city, "海绵城市建设的实践")
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(topic)
    with django_capture_on_commit_callbacks(execute=True):
        item_removed(topic)
        topic.delete()
    assert search_visible_to(viewer, "海绵城市").total == 0


def test_rolled_back_write_never_reaches_the_index(network):
    from django.db import transaction

    topic = make_topic(network.city, "海绵城市建设的实践")
    try:
        with transaction.atomic():
            item_changed(topic)
            raise RuntimeError
    except RuntimeError:
        pass
    assert not SearchDocument.objects.exists()


def test_teacher_becoming_private_removes_name_from_items(network, django_capture_on_commit_callbacks):
    """A topic shows (and is found by) a teacher's name only while everyone who sees the topic sees the teacher."""
    staff = member(network.city, is_teaching_staff=True)
    outsider = member(network.far)
    teacher = make_teacher(network.city, "欧阳明", scope=SharingScope.NETWORK)
    topic = make_topic(network.city, "海绵城市建设的实践", teachers=[teacher])
    with django_capture_on_commit_callbacks(execute=True):
        item_changed(teacher)
        item_changed(topic)
    assert ("topic", "海绵城市建设的实践") in found(outsider, "ouyangming")
    with django_capture_on_commit_callbacks(execute=True):
        update_teacher(by=staff, teacher=teacher, scope=SharingScope.SCHOOL)
    assert found(outsider, "ouyangming") == []
    assert found(outsider, "欧阳明") == []
    hit = search_visible_to(outsider, "海绵城市").hits[0]
    assert hit.names_html == ""

"""引用讲题: another school's linked copy of a published lecture topic (the same Adoption rows and
code paths as course adoption)."""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests.codev.conftest import reviewed
from tests.factories import member
from tests.factories.topics import TopicFactory

from yiwang.activity.models import Notification
from yiwang.codev import selectors, services
from yiwang.codev.models import Adoption
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.courses.models import Course
from yiwang.network.enums import SharingScope
from yiwang.topics import hooks
from yiwang.topics import services as topic_services
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.models import Topic
from yiwang.topics.rules import can_edit_topic


@pytest.fixture
def topic(cd):
    return TopicFactory(
        owner_school=cd.net.city,
        scope=SharingScope.NETWORK,
        title="红色广州的百年征程",
        summary="从广州起义讲起。",
        outline="一、起义经过\n二、历史意义",
    )


def _touch(topic, **fields):
    """The owner edits the topic (a later update time, as the topic services would write)."""
    Topic.objects.filter(pk=topic.pk).update(updated_at=topic.updated_at + timedelta(minutes=5), **fields)
    topic.refresh_from_db()
    return topic


def adopt(cd, topic, **kw):
    return services.adopt_topic(by=cd.outsider, school=cd.net.far, topic_id=topic.pk, **kw)


def test_adopt_topic_makes_a_linked_local_copy(cd, topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        adoption = adopt(cd, topic, local_notes="安排在第二周", local_place="远方革命纪念馆")
    adoption.refresh_from_db()
    assert (adoption.topic_id, adoption.course_id, adoption.based_on_id) == (topic.pk, None, None)
    assert (adoption.title, adoption.summary, adoption.outline) == (topic.title, topic.summary, topic.outline)
    assert adoption.based_on_at == topic.updated_at
    assert (adoption.local_notes, adoption.local_place) == ("安排在第二周", "远方革命纪念馆")
    [row] = selectors.with_latest([adoption])
    assert (row.behind, row.latest_at, row.latest_number) == (0, topic.updated_at, None)
    # the owner's office heard of it; the adopter gains no edit right on the original
    assert (
        Notification.objects.filter(
            recipient=cd.office, title="中共远方市委党校引用了讲题：红色广州的百年征程"
        ).count()
        == 1
    )
    assert can_edit_topic(cd.outsider, topic) is False


def test_adopting_a_topic_twice_into_one_school_is_refused(cd, topic):
    adopt(cd, topic)
    with pytest.raises(ConflictError, match="^中共远方市委党校已引用过该讲题。$"):
        adopt(cd, topic, local_notes="再来一次")
    assert Adoption.objects.filter(topic=topic).count() == 1
    # the database says so too
    with pytest.raises(IntegrityError), transaction.atomic():
        Adoption.objects.create(topic=topic, adopter_school=cd.net.far, based_on_at=timezone.now(), title="x")


def test_adoption_is_of_exactly_one_course_or_topic(cd, topic):
    with pytest.raises(IntegrityError), transaction.atomic():
        Adoption.objects.create(adopter_school=cd.net.far, based_on_at=timezone.now(), title="无原件")
    course = Course.objects.get(pk=cd.project.course_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Adoption.objects.create(
            topic=topic, course=course, adopter_school=cd.net.far, based_on_at=timezone.now(), title="两者"
        )


def test_adopting_a_topic_the_viewer_cannot_see_is_refused(cd, topic):
    hidden = TopicFactory(owner_school=cd.net.city, scope=SharingScope.SCHOOL, title="本校讲题")
    draft = TopicFactory(owner_school=cd.net.city, status=PublicationStatus.DRAFT, scope=SharingScope.NETWORK)
    for t in (hidden, draft):
        with pytest.raises(NotFoundError, match="^未找到该讲题，或贵校无权查看，不能引用。$"):
            adopt(cd, t)
    with pytest.raises(NotFoundError, match="^未找到该讲题"):
        services.adopt_topic(by=cd.outsider, school=cd.net.far, topic_id="abc")
    with pytest.raises(
        PermissionDeniedError,
        match="^只有中共远方市委党校的管理员、教务、培训或科研人员可以为本校引用讲题。$",
    ):
        services.adopt_topic(by=cd.reviewer, school=cd.net.far, topic_id=topic.pk)  # a teacher, not staff
    with pytest.raises(DomainError, match="^这是本校自己的讲题，不需要引用。$"):
        services.adopt_topic(by=cd.office, school=cd.net.city, topic_id=topic.pk)
    assert Adoption.objects.count() == 0


def test_retired_topic_cannot_be_adopted(cd, topic):
    Topic.objects.filter(pk=topic.pk).update(status=PublicationStatus.RETIRED)
    with pytest.raises(NotFoundError):
        adopt(cd, topic)
    assert Adoption.objects.count() == 0


def test_topic_change_notifies_adopters_once_and_take_update_keeps_local_edits(
    cd, topic, client_for, django_capture_on_commit_callbacks
):
    adoption = adopt(cd, topic, local_notes="本校安排：第二周")
    assert services.notify_topic_adopters() == 0
    _touch(topic, outline="一、起义经过\n二、历史意义\n三、现实启示")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_topic_adopters() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_topic_adopters() == 0  # never twice for one change
    title = "引用的讲题有更新：红色广州的百年征程"
    assert Notification.objects.filter(recipient=cd.outsider, title=title).count() == 1
    page = client_for(cd.outsider).get(reverse("codev:adoption", args=[adoption.pk])).content.decode()
    assert 'id="update"' in page and "三、现实启示" in page and 'id="take-update"' in page
    services.take_update(by=cd.outsider, adoption=adoption)
    adoption.refresh_from_db()
    assert adoption.outline == "一、起义经过\n二、历史意义\n三、现实启示"
    assert (adoption.based_on_at, adoption.local_notes) == (topic.updated_at, "本校安排：第二周")
    with pytest.raises(ConflictError, match="^已是最新版本，无需更新。$"):
        services.take_update(by=cd.outsider, adoption=adoption)
    # the owner sees who adopted and that nobody is behind now; then a new change puts far behind
    [row] = selectors.adoptions_of(topic)
    assert (row.adopter_school_id, row.behind) == (cd.net.far.pk, 0)
    _touch(topic, summary="改写的简介")
    owner_page = client_for(cd.office).get(reverse("codev:topic_adoptions", args=[topic.pk])).content.decode()
    assert "中共远方市委党校" in owner_page and "未接收最新修改" in owner_page


def test_updating_a_topic_notifies_its_adopters_at_commit_once_per_change(
    cd, topic, django_capture_on_commit_callbacks
):
    """``topics.services.update_topic`` → ``topics.hooks`` → codev: the adopters hear of the
    change when it commits, not before, never for a rolled-back edit, and the reminder task
    sends no duplicate."""
    adopt(cd, topic)
    title = "引用的讲题有更新：红色广州的百年征程"
    sent = Notification.objects.filter(recipient=cd.outsider, title=title)
    with django_capture_on_commit_callbacks(execute=True):
        topic_services.update_topic(by=cd.office, topic=topic, outline="一、起义经过\n二、现实启示")
        assert sent.count() == 0  # not before the commit
    assert sent.count() == 1
    assert Adoption.objects.get(topic=topic).notified_at == Topic.objects.get(pk=topic.pk).updated_at
    assert services.notify_topic_adopters() == 0  # the reminder task: nothing twice
    # an edit that is rolled back tells nobody
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        topic_services.update_topic(by=cd.office, topic=topic, summary="撤回的修改")
        raise RuntimeError("rolled back")
    assert sent.count() == 1
    # the next change is a new notice
    with django_capture_on_commit_callbacks(execute=True):
        topic_services.update_topic(by=cd.office, topic=topic, summary="改写的简介")
    assert sent.count() == 2
    assert services.notify_topic_adopters() == 0


def test_topic_change_hook_runs_registered_callbacks_after_commit(db, django_capture_on_commit_callbacks):
    heard = []
    hooks.on_topic_changed("test-listener", heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            hooks.topic_changed(SimpleNamespace(pk=42))
        assert heard == []
        for callback in callbacks:
            callback()
        assert heard == [42]
    finally:
        hooks._CALLBACKS.pop("test-listener")


def test_only_the_adopting_school_takes_the_update(cd, topic):
    adoption = adopt(cd, topic)
    _touch(topic, outline="新提纲")
    with pytest.raises(PermissionDeniedError):
        services.take_update(by=cd.office, adoption=adoption)
    adoption.refresh_from_db()
    assert adoption.outline == "一、起义经过\n二、历史意义"


def test_withdrawn_topic_sharing_leaves_the_copy_readable_with_a_notice(cd, topic, client_for):
    adoption = adopt(cd, topic, local_notes="保留的安排")
    _touch(topic, scope=SharingScope.SCHOOL, outline="不再共享后的修改")
    response = client_for(cd.outsider).get(reverse("codev:adoption", args=[adoption.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="withdrawn-notice"' in page and "原讲题已不再向贵校共享" in page
    assert "保留的安排" in page and "不再共享后的修改" not in page
    with pytest.raises(ConflictError, match="^原讲题已不再向贵校共享，不能再接收更新；本校的副本仍然保留。$"):
        services.take_update(by=cd.outsider, adoption=adoption)
    assert Adoption.objects.filter(pk=adoption.pk).exists()


def test_topic_page_shows_the_adoption_count_and_adopt_link(cd, topic, client_for):
    adopt(cd, topic)
    page = client_for(cd.stranger_staff).get(reverse("topics:detail", args=[topic.pk])).content.decode()
    assert '<p id="topic-adoption-count">1 所学校引用</p>' in page
    assert 'id="adopt-topic-link"' in page  # the stranger school may adopt it too
    owner = client_for(cd.office).get(reverse("topics:detail", args=[topic.pk])).content.decode()
    assert 'id="adopt-topic-link"' not in owner  # its own topic
    assert reverse("codev:topic_adoptions", args=[topic.pk]) in owner


def test_adopt_topic_page_and_bad_input(cd, topic, client_for):
    client = client_for(cd.outsider)
    url = reverse("codev:adopt_topic", args=[topic.pk])
    response = client.post(url, {"school": cd.net.far.pk, "local_notes": "第一周", "local_place": ""})
    adoption = Adoption.objects.get(topic=topic)
    assert response.status_code == 302 and response.url == reverse("codev:adoption", args=[adoption.pk])
    twice = client.post(url, {"school": cd.net.far.pk, "local_notes": "", "local_place": ""})
    assert twice.status_code == 400 and "已引用过该讲题。" in twice.content.decode()
    hidden = TopicFactory(owner_school=cd.net.city, scope=SharingScope.SCHOOL)
    assert client.get(reverse("codev:adopt_topic", args=[hidden.pk])).status_code == 404
    assert Adoption.objects.count() == 1


def test_topic_adoptions_in_api_and_export(cd, topic, client_for):
    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=cd.project.course_id)
    client = client_for(cd.outsider)
    made = client.post(
        f"/api/v1/codev/topics/{topic.pk}/adoptions",
        {"school_code": "far", "local_notes": "接口引用"},
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["kind"], body["topic_id"], body["course_id"], body["based_on"], body["behind"]) == (
        "topic",
        topic.pk,
        None,
        None,
        0,
    )
    twice = client.post(
        f"/api/v1/codev/topics/{topic.pk}/adoptions", {"school_code": "far"}, content_type="application/json"
    )
    assert (twice.status_code, twice.json()["error"]["message"]) == (409, "中共远方市委党校已引用过该讲题。")
    hidden = TopicFactory(owner_school=cd.net.city, scope=SharingScope.SCHOOL)
    missing = client.post(
        f"/api/v1/codev/topics/{hidden.pk}/adoptions", {"school_code": "far"}, content_type="application/json"
    )
    assert missing.status_code == 404
    listed = client.get("/api/v1/codev/adoptions").json()
    assert listed["count"] == 2
    assert sorted(item["kind"] for item in listed["items"]) == ["course", "topic"]
    assert client.get("/api/v1/codev/counts").json()["topic_adoptions"] == 1
    rows = list(
        load_workbook(io.BytesIO(client.get(reverse("codev:adoption_export")).content)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][:4] == ("类型", "名称", "所属学校", "引用学校")
    assert sorted((r[0], r[1], r[3]) for r in rows[1:]) == [
        ("讲题", "红色广州的百年征程", "中共远方市委党校"),
        ("课程", cd.project.course.title, "中共远方市委党校"),
    ]


def test_topic_adoptions_leak_nowhere(cd, topic, client_for):
    adoption = adopt(cd, topic)
    assert selectors.adoptions_visible_to(cd.reviewer, "all").count() == 1  # a member of the adopter
    assert selectors.adoptions_visible_to(cd.office, "topic").count() == 1  # the topic's owner
    assert selectors.adoptions_visible_to(cd.office).count() == 0  # the default: course adoptions
    for user in (cd.stranger_staff, member(cd.net.branch_b, is_teaching_staff=True)):
        client = client_for(user)
        assert selectors.adoptions_visible_to(user, "all").count() == 0
        assert client.get("/api/v1/codev/adoptions").json()["count"] == 0
        assert client.get("/api/v1/codev/counts").json()["topic_adoptions"] == 0
        assert client.get(reverse("codev:adoption", args=[adoption.pk])).status_code == 404
        assert "红色广州" not in client.get(reverse("codev:adoptions_mine")).content.decode()
        rows = list(
            load_workbook(io.BytesIO(client.get(reverse("codev:adoption_export")).content)).active.iter_rows(
                values_only=True
            )
        )
        assert len(rows) == 1
        page = client.get(reverse("codev:topic_adoptions", args=[topic.pk])).content.decode()
        assert "中共远方市委党校" not in page and "共 1 所学校引用了这个讲题。" in page

"""Topic bank: services, pages, API — permissions, leaks, retire, query counts."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook
from tests.factories import member
from tests.factories.faculty import TeacherFactory
from tests.factories.search import index
from tests.factories.topics import TopicFactory

from yiwang.accounts.services import create_api_token
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.network.enums import SharingScope
from yiwang.topics import selectors, services
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db

TOPIC_KEYS = {
    "id",
    "title",
    "summary",
    "outline",
    "teachers",
    "school",
    "category",
    "category_label",
    "form",
    "form_label",
    "audiences",
    "audience_labels",
    "hours",
    "module",
    "keywords",
    "status",
    "status_label",
    "scope",
    "scope_label",
    "created_at",
    "updated_at",
}


def export_titles(client) -> list[str]:
    response = client.get("/topics/export/")
    assert response.status_code == 200
    rows = list(
        CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).iter_rows()
    )
    assert rows[0][0] == "讲题"
    return [r[0] for r in rows[1:]]


@pytest.fixture
def scoped_topics(network):
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK, name="张宏伟")
    own = TopicFactory(
        owner_school=network.city, scope=SharingScope.SCHOOL, title="本校专题", teachers=[teacher]
    )
    shared = TopicFactory(
        owner_school=network.city, scope=SharingScope.PARTNERS, title="协作专题", teachers=[teacher]
    )
    shared.shared_partnerships.set([network.partnership])
    return own, shared


def test_scoped_topics_never_reach_wrong_school(client_for, network, scoped_topics):
    client = client_for(member(network.stranger, is_school_admin=True))
    body = client.get("/topics/").content.decode()
    assert "本校专题" not in body and "协作专题" not in body and "共 0 个讲题" in body
    for topic in scoped_topics:
        assert client.get(f"/topics/{topic.pk}/").status_code == 404
        assert client.get(f"/api/v1/topics/{topic.pk}").status_code == 404
        assert client.post(f"/topics/{topic.pk}/retire/").status_code == 404
    assert client.get("/api/v1/topics/").json()["count"] == 0
    assert export_titles(client) == []


def test_partner_sees_only_partner_scoped(client_for, network, scoped_topics):
    client = client_for(member(network.partner, is_teacher=True))
    assert "共 1 个讲题" in client.get("/topics/").content.decode()
    assert [t["title"] for t in client.get("/api/v1/topics/").json()["items"]] == ["协作专题"]
    assert export_titles(client) == ["协作专题"]
    # the alliance member 'far' is not in the picked partnership
    assert export_titles(client_for(member(network.far))) == []


def test_teacher_names_hidden_when_teacher_not_visible(client_for, network):
    secret = TeacherFactory(owner_school=network.city, scope=SharingScope.SCHOOL, name="保密教师")
    topic = TopicFactory(
        owner_school=network.city, scope=SharingScope.NETWORK, title="全网专题", teachers=[secret]
    )
    client = client_for(member(network.far))
    assert "保密教师" not in client.get(f"/topics/{topic.pk}/").content.decode()
    assert client.get(f"/api/v1/topics/{topic.pk}").json()["teachers"] == []


def test_teacher_creates_own_topic_but_not_for_others(network):
    user = member(network.city, is_teacher=True)
    me = TeacherFactory(owner_school=network.city, user=user)
    colleague = TeacherFactory(owner_school=network.city)
    topic = services.create_topic(
        by=user,
        school=network.city,
        title="基层治理创新",
        teachers=[me],
        category="governance",
        form="case",
        audiences=["main", "young"],
        hours="2.5",
    )
    assert (topic.audience_codes, topic.hours, topic.status) == (["main", "young"], Decimal("2.5"), "draft")
    assert AuditRecord.objects.filter(action="topic.created", object_id=str(topic.pk)).count() == 1
    with pytest.raises(PermissionDeniedError) as exc:
        services.create_topic(
            by=user,
            school=network.city,
            title="别人的讲题",
            teachers=[colleague],
            category="governance",
            form="case",
        )
    assert exc.value.message == "教师只能添加自己担任授课教师的讲题。"
    services.update_topic(by=user, topic=topic, title="基层治理创新案例")
    topic.refresh_from_db()
    assert topic.title == "基层治理创新案例"


def test_teacher_of_another_school_cannot_edit_topic(client_for, network):
    teacher = TeacherFactory(owner_school=network.city)
    topic = TopicFactory(
        owner_school=network.city, scope=SharingScope.NETWORK, title="原题", teachers=[teacher]
    )
    outsider = member(network.far, is_teacher=True, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError) as exc:
        services.update_topic(by=outsider, topic=topic, title="改题")
    assert exc.value.message == "只有所属学校的管理员、教务、培训、科研人员或该讲题的授课教师可以修改讲题。"
    _, key = create_api_token(user=outsider, name="t")
    response = Client().patch(
        f"/api/v1/topics/{topic.pk}",
        {"title": "改题"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.title == "原题"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "请填写讲题名称。"),
        (
            {"form": "dance"},
            "教学形式只能是专题讲授、现场教学、案例教学、研讨式教学、情景模拟、访谈式教学、体验式教学之一。",
        ),
        ({"hours": "0"}, "课时应大于 0 且不超过 100 小时。"),
        (
            {"audiences": ["kids"]},
            "适用对象“kids”不在可选范围内（可选：主体班、中青班、专题研讨班、初任培训、师资培训、其他）。",
        ),
        ({"teachers": []}, "请至少选择一位授课教师。"),
    ],
)
def test_bad_topic_input_refused(network, fields, message):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city)
    data = {"title": "乡村振兴", "teachers": [teacher], "category": "economy", "form": "lecture", **fields}
    with pytest.raises(DomainError) as exc:
        services.create_topic(by=staff, school=network.city, **data)
    assert exc.value.message == message
    assert Topic.objects.count() == 0


def test_retired_topic_only_for_owner_staff(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city)
    topic = TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK, teachers=[teacher])
    client = client_for(staff)
    assert client.post(f"/topics/{topic.pk}/retire/").status_code == 302
    topic.refresh_from_db()
    assert topic.status == "retired"
    assert "共 0 个讲题" in client.get("/topics/").content.decode()
    assert "共 1 个讲题" in client.get("/topics/?status=retired").content.decode()
    other = member(network.branch_a, is_teaching_staff=True)
    assert list(selectors.topics_visible_to(other, status="retired")) == []
    assert client_for(other).get(f"/topics/{topic.pk}/").status_code == 404


def test_filters(network):
    viewer = member(network.city)
    teacher = TeacherFactory(owner_school=network.city)
    economy = TopicFactory(
        owner_school=network.city,
        title="数字经济",
        form="field",
        category="economy",
        audiences="young",
        teachers=[teacher],
    )
    index(economy)  # the list's text filter goes through the search index
    TopicFactory(
        owner_school=network.branch_a,
        title="党史",
        form="lecture",
        category="party",
        audiences="main,faculty",
    )
    assert [t.title for t in selectors.topics_visible_to(viewer, form="field")] == ["数字经济"]
    assert [t.title for t in selectors.topics_visible_to(viewer, audience="faculty")] == ["党史"]
    assert [t.title for t in selectors.topics_visible_to(viewer, school="city-a")] == ["党史"]
    assert [t.title for t in selectors.topics_visible_to(viewer, category="economy", q="数字")] == [
        "数字经济"
    ]
    assert [t.title for t in selectors.topics_visible_to(viewer, teacher=teacher)] == ["数字经济"]
    assert [t.title for t in selectors.topics_visible_to(viewer, sort="title")] == ["党史", "数字经济"]


def test_list_query_count_same_for_3_and_30(client_for, network):
    client = client_for(member(network.city, is_teaching_staff=True))
    teachers = TeacherFactory.create_batch(3, owner_school=network.city)
    for i in range(3):
        TopicFactory(owner_school=network.city, teachers=teachers[: i + 1])
    client.get("/topics/")
    with CaptureQueriesContext(connection) as few:
        client.get("/topics/")
    for i in range(27):
        TopicFactory(owner_school=network.branch_a if i % 2 else network.city, teachers=teachers)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/topics/")
    assert "共 30 个讲题" in response.content.decode()
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as api_few:
        Client().get("/api/v1/topics/?page_size=3")
    with CaptureQueriesContext(connection) as api_many:
        Client().get("/api/v1/topics/?page_size=30")
    assert len(api_few) == len(api_many)


def test_api_contract_create_and_detail(network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city, name="张宏伟")
    _, key = create_api_token(user=staff, name="t")
    headers = {"Authorization": f"Bearer {key}"}
    response = Client().post(
        "/api/v1/topics/",
        {
            "school_code": "city",
            "title": "因地制宜发展新质生产力",
            "teacher_ids": [teacher.pk],
            "category": "economy",
            "form": "seminar",
            "audiences": ["young"],
            "hours": "2",
            "scope": "public",
            "keywords": "新质生产力、科技创新",
            "status": "published",
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == TOPIC_KEYS
    assert data["teachers"] == [{"id": teacher.pk, "name": "张宏伟", "school_code": "city"}]
    assert (data["form_label"], data["audience_labels"], data["hours"], data["keywords"]) == (
        "研讨式教学",
        ["中青班"],
        2.0,
        ["新质生产力", "科技创新"],
    )
    assert "因地制宜" in response.content.decode("utf-8")
    anonymous = Client().get(f"/api/v1/topics/{data['id']}")
    assert anonymous.status_code == 200 and anonymous.json()["title"] == "因地制宜发展新质生产力"
    bad = Client().post(
        "/api/v1/topics/",
        {
            "school_code": "city",
            "title": "x",
            "teacher_ids": [999999],
            "category": "economy",
            "form": "seminar",
        },
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "error": {"code": "invalid", "message": "找不到编号为 999999 的教师。", "field": "teacher_ids"}
    }
    assert Topic.objects.count() == 1


def test_topic_pages_create_and_edit(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city)
    client = client_for(staff)
    assert client.get("/topics/new/").status_code == 200
    response = client.post(
        "/topics/new/",
        {
            "title": "绿美广东",
            "teachers": [teacher.pk],
            "category": "ecology",
            "form": "field",
            "audiences": ["main"],
            "hours": "3",
            "status": "published",
            "scope": "network",
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/topics/{topic.pk}/"
    page = client.get(f"/topics/{topic.pk}/").content.decode()
    assert "绿美广东" in page and "现场教学" in page
    response = client.post(
        f"/topics/{topic.pk}/edit/",
        {
            "title": "绿美广东生态建设",
            "teachers": [teacher.pk],
            "category": "ecology",
            "form": "field",
            "hours": "200",
            "status": "published",
            "scope": "network",
        },
    )
    assert response.status_code == 400
    topic.refresh_from_db()
    assert topic.title == "绿美广东"


def test_drafts_only_for_their_editors(client_for, network):
    user = member(network.branch_a, is_teacher=True)
    mine = TeacherFactory(owner_school=network.branch_a, user=user, scope=SharingScope.NETWORK)
    draft = TopicFactory(
        owner_school=network.city,
        scope=SharingScope.NETWORK,
        status="draft",
        title="草稿专题",
        teachers=[mine],
    )
    assert list(selectors.topics_visible_to(user)) == [draft]  # a teacher of the topic, at another school
    assert list(selectors.topics_visible_to(member(network.city, is_teaching_staff=True))) == [draft]
    colleague = member(network.city, is_teacher=True)
    assert list(selectors.topics_visible_to(colleague)) == []
    outsider = client_for(member(network.far))
    assert "草稿专题" not in outsider.get("/topics/").content.decode()
    assert outsider.get(f"/topics/{draft.pk}/").status_code == 404
    assert outsider.get("/api/v1/topics/?status=draft").json()["count"] == 0

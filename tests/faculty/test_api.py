"""Faculty API contract: status codes, exact fields, Chinese UTF-8, token auth, errors."""

import pytest
from django.test import Client
from tests.factories import member
from tests.factories.faculty import TeacherFactory

from yiwang.accounts.services import create_api_token, revoke_api_token
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

TEACHER_KEYS = {
    "id",
    "name",
    "name_pinyin",
    "name_initials",
    "school",
    "gender",
    "gender_label",
    "title",
    "title_label",
    "position",
    "department",
    "expertise",
    "bio",
    "phone",
    "email",
    "is_invited",
    "employer",
    "post",
    "is_active",
    "scope",
    "scope_label",
    "created_at",
    "updated_at",
}


def bearer(user) -> dict:
    _, key = create_api_token(user=user, name="测试")
    return {"Authorization": f"Bearer {key}"}


def test_list_exact_shape_in_utf8(network):
    teacher = TeacherFactory(
        owner_school=network.city,
        name="张宏伟",
        scope=SharingScope.NETWORK,
        expertise="党史、基层治理",
        phone="13812345678",
        email="zhw@example.com",
    )
    viewer = member(network.far)
    response = Client().get("/api/v1/faculty/?page_size=10", headers=bearer(viewer))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "张宏伟" in response.content.decode("utf-8") and "\\u" not in response.content.decode("utf-8")
    data = response.json()
    assert {k: data[k] for k in ("count", "count_capped", "page", "page_size", "num_pages")} == {
        "count": 1,
        "count_capped": False,
        "page": 1,
        "page_size": 10,
        "num_pages": 1,
    }
    item = data["items"][0]
    assert set(item) == TEACHER_KEYS
    assert item["id"] == teacher.pk
    assert item["school"] == {"code": "city", "name": "中共测试市委党校", "short_name": "测试市"}
    assert (item["name_pinyin"], item["name_initials"], item["expertise"]) == (
        "zhanghongwei",
        "zhw",
        ["党史", "基层治理"],
    )
    assert (item["phone"], item["email"], item["scope_label"]) == ("138****5678", "z***@example.com", "全网")


def test_anonymous_sees_only_public(network):
    TeacherFactory(owner_school=network.city, name="公开甲", scope=SharingScope.PUBLIC)
    hidden = TeacherFactory(owner_school=network.city, name="全网乙", scope=SharingScope.NETWORK)
    data = Client().get("/api/v1/faculty/").json()
    assert [t["name"] for t in data["items"]] == ["公开甲"]
    assert Client().get(f"/api/v1/faculty/{hidden.pk}").status_code == 404


def test_create_update_retire_with_token(network):
    staff = member(network.city, is_teaching_staff=True)
    client, headers = Client(), bearer(staff)
    response = client.post(
        "/api/v1/faculty/",
        {
            "school_code": "city",
            "name": "陈静",
            "title": "associate",
            "scope": "partners",
            "alliance_ids": [network.alliance.pk],
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["name_pinyin"], created["scope"]) == ("陈静", "chenjing", "partners")
    teacher = Teacher.objects.get(pk=created["id"])
    assert list(teacher.shared_alliances.all()) == [network.alliance]
    response = client.patch(
        f"/api/v1/faculty/{teacher.pk}",
        {"bio": "研究乡村振兴。", "scope": "system"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert (response.json()["bio"], response.json()["scope"]) == ("研究乡村振兴。", "system")
    teacher.refresh_from_db()
    assert list(teacher.shared_alliances.all()) == []
    response = client.post(f"/api/v1/faculty/{teacher.pk}/retire", headers=headers)
    assert response.status_code == 200 and response.json()["is_active"] is False
    response = client.post(f"/api/v1/faculty/{teacher.pk}/retire", headers=headers)
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "conflict", "message": "该教师已停用。"}}


def test_outsider_update_refused_and_nothing_changes(network):
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK, bio="原简介")
    headers = bearer(member(network.far, is_school_admin=True))
    response = Client().patch(
        f"/api/v1/faculty/{teacher.pk}", {"bio": "改掉"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": "只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。",
        }
    }
    teacher.refresh_from_db()
    assert teacher.bio == "原简介"


def test_create_errors_in_shared_shape(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    client = Client()
    response = client.post(
        "/api/v1/faculty/",
        {"school_code": "nope", "name": "陈静"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "未知的学校代码“nope”。", "field": "school_code"}
    }
    response = client.post(
        "/api/v1/faculty/",
        {"school_code": "city", "name": "陈静", "email": "bad"},
        content_type="application/json",
        headers=headers,
    )
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "电子邮箱格式不正确。",
        "field": "email",
    }
    response = client.post(
        "/api/v1/faculty/", {"school_code": "city"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "请求参数不正确，请检查后重试。"
    response = client.get("/api/v1/faculty/?page_size=1000", headers=headers)
    assert response.json()["error"]["message"] == "每页条数应在 1 到 100 之间。"
    assert Teacher.objects.count() == 0


def test_writes_need_sign_in_and_revoked_token_refused(network):
    staff = member(network.city, is_teaching_staff=True)
    client = Client()
    response = client.post(
        "/api/v1/faculty/", {"school_code": "city", "name": "陈静"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized", "message": "未登录或令牌无效。"}}
    token, key = create_api_token(user=staff, name="t")
    revoke_api_token(user=staff, token_id=token.pk)
    response = client.get("/api/v1/faculty/", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    assert Teacher.objects.count() == 0


def test_pagination_pages(network):
    TeacherFactory.create_batch(5, owner_school=network.city)
    headers = bearer(member(network.city))
    data = Client().get("/api/v1/faculty/?page=2&page_size=2", headers=headers).json()
    assert (data["count"], data["num_pages"], len(data["items"])) == (5, 3, 2)
    assert Client().get("/api/v1/faculty/?page=9&page_size=2", headers=headers).json()["items"] == []

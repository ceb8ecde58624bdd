import pytest
from tests.factories import UserFactory, member

from yiwang.accounts.services import create_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


def test_openapi_document_served_in_chinese(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    doc = response.json()
    assert doc["info"]["title"] == "一网 API"
    assert "/api/v1/network/schools" in doc["paths"]
    body = response.content.decode("utf-8")
    assert "学校列表" in body and "\\u" not in body


def test_api_answers_in_utf8_chinese_with_token(network):
    from django.test import Client

    user = member(network.city, is_teacher=True)
    _, key = create_api_token(user=user, name="t")
    response = Client().get("/api/v1/network/schools/city", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json() == {
        "code": "city",
        "name": "中共测试市委党校",
        "short_name": "测试市",
        "level": "city",
        "level_label": "市级",
        "province": "广东省",
        "city": "广州市",
        "parent_code": None,
        "branch_codes": ["city-a", "city-b"],
    }
    assert "中共测试市委党校" in response.content.decode("utf-8")


def test_anonymous_and_bad_token_get_chinese_401(client):
    expected = {"error": {"code": "unauthorized", "message": "未登录或令牌无效。"}}
    response = client.get("/api/v1/network/schools")
    assert response.status_code == 401
    assert response.json() == expected
    response = client.get("/api/v1/network/schools", headers={"Authorization": "Bearer yw_wrong"})
    assert response.status_code == 401
    assert response.json() == expected


def test_revoked_token_refused(client):
    user = UserFactory()
    token, key = create_api_token(user=user, name="t")
    assert (
        client.get("/api/v1/network/schools", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    )
    revoke_api_token(user=user, token_id=token.pk)
    assert (
        client.get("/api/v1/network/schools", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )


def test_missing_school_uses_error_shape(client, network):
    client.force_login(member(network.city))
    response = client.get("/api/v1/network/schools/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "未找到该记录，或您无权查看。"}}


def test_alliances_listed_with_members(client, network):
    client.force_login(member(network.far))
    data = client.get("/api/v1/network/alliances").json()
    assert [(a["name"], sorted(m["code"] for m in a["members"])) for a in data] == [
        ("测试片区", ["city", "far"])
    ]

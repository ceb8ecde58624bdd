"""Part 7: cookie-authenticated unsafe API requests need the CSRF token; bearer tokens don't."""

import pytest
from django.test import Client
from tests.factories import UserFactory

from yiwang.accounts import services

pytestmark = pytest.mark.django_db

URL = "/api/v1/courses/"
CSRF_REFUSED = (
    "请求缺少有效的 CSRF 令牌：以登录状态调用写接口时须带上 X-CSRFToken 请求头，或改用个人 API 令牌。"
)


def browser_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_cross_origin_text_plain_post_with_only_the_session_cookie_is_refused():
    client = browser_client(UserFactory())
    response = client.post(
        URL, data='{"title": "x"}', content_type="text/plain", HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == CSRF_REFUSED


def test_session_json_post_without_token_is_refused():
    client = browser_client(UserFactory())
    response = client.post(URL, data={}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == CSRF_REFUSED


def test_session_post_with_the_csrf_token_passes_the_check():
    client = browser_client(UserFactory())
    client.get("/accounts/me/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(URL, data={}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 422  # past authentication and CSRF, stopped by validation


def test_bearer_token_post_needs_no_csrf_token():
    user = UserFactory()
    _, key = services.create_api_token(user=user, name="同步")
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, data={}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 422


def test_session_reads_need_no_token():
    client = browser_client(UserFactory())
    assert client.get(URL).status_code == 200

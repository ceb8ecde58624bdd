from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from tests.factories import PASSWORD, UserFactory

from yiwang.accounts.models import User
from yiwang.activity.models import AuditRecord

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "一网 · 登录" in html
    assert "用户名" in html and "密码" in html


def test_correct_password_signs_in_and_audits(client):
    user = UserFactory(username="teacher1")
    response = post_login(client, "teacher1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert AuditRecord.objects.filter(action="account.signed_in", actor=user).count() == 1
    assert AuditRecord.objects.get(action="account.signed_in").ip_address == "127.0.0.1"


def test_wrong_password_says_how_many_tries_left(client):
    UserFactory(username="teacher1")
    response = post_login(client, "teacher1", "wrong")
    assert response.status_code == 400
    assert "用户名或密码错误。再失败 4 次账号将被锁定。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_same_message_without_count(client):
    response = post_login(client, "nobody", "wrong")
    assert "用户名或密码错误。" in response.content.decode()
    assert "再失败" not in response.content.decode()


def test_five_failures_lock_for_thirty_minutes_even_with_right_password(client):
    UserFactory(username="teacher1")
    for _ in range(4):
        post_login(client, "teacher1", "wrong")
    before = timezone.now()
    response = post_login(client, "teacher1", "wrong")
    user = User.objects.get(username="teacher1")
    assert user.locked_until is not None
    assert timedelta(minutes=29) < user.locked_until - before <= timedelta(minutes=30, seconds=5)
    local = timezone.localtime(user.locked_until).strftime("%Y-%m-%d %H:%M")
    assert f"连续 5 次登录失败，账号已锁定至 {local}" in response.content.decode()
    response = post_login(client, "teacher1", PASSWORD)
    assert response.status_code == 400
    assert f"账号已锁定至 {local}" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires(client):
    UserFactory(username="teacher1", locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "teacher1", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=5)
def test_lockout_thresholds_are_configurable(client):
    UserFactory(username="teacher1")
    post_login(client, "teacher1", "wrong")
    response = post_login(client, "teacher1", "wrong")
    assert "连续 2 次登录失败" in response.content.decode()
    user = User.objects.get(username="teacher1")
    assert user.locked_until - timezone.now() <= timedelta(minutes=5)


def test_success_resets_failure_count(client):
    UserFactory(username="teacher1")
    post_login(client, "teacher1", "wrong")
    post_login(client, "teacher1", PASSWORD)
    assert User.objects.get(username="teacher1").failed_login_count == 0


def test_idle_session_expires_after_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_open_redirect_refused(client):
    UserFactory(username="teacher1")
    response = client.post(
        "/accounts/login/", {"username": "teacher1", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_pages_require_sign_in(client):
    response = client.get("/network/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_needs_post(client_for):
    client = client_for(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session

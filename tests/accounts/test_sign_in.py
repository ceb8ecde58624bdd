from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import PASSWORD, UserFactory

from yiwang.accounts.models import User
from yiwang.activity.models import AuditRecord
from yiwang.core.middleware import SlidingSessionMiddleware

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


REFUSED = "用户名或密码错误，或尝试次数过多已被暂时锁定。请稍后再试，或联系安全管理员。"


def test_wrong_password_unknown_name_and_locked_account_answer_alike(client):
    UserFactory(username="teacher1")
    UserFactory(username="locked1", locked_until=timezone.now() + timedelta(minutes=10))
    answers = [
        post_login(client, "teacher1", "wrong"),
        post_login(client, "nobody", "wrong"),
        post_login(client, "locked1", PASSWORD),
    ]
    assert [r.status_code for r in answers] == [400, 400, 400]
    bodies = [r.content.decode() for r in answers]
    assert all(REFUSED in b for b in bodies)
    assert not any("再失败" in b or "锁定至" in b for b in bodies)
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_this_client_out_even_with_right_password(client):
    UserFactory(username="teacher1")
    for _ in range(5):
        post_login(client, "teacher1", "wrong")
    record = AuditRecord.objects.get(action="account.locked")
    assert record.after["scope"] == "client"
    assert record.after["ip"] == "127.0.0.1"
    response = post_login(client, "teacher1", PASSWORD)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_client_still_signs_in_when_one_client_locked_an_account(client):
    from django.test import Client

    UserFactory(username="teacher1")
    for _ in range(5):
        post_login(client, "teacher1", "wrong")
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert post_login(other, "teacher1", PASSWORD).status_code == 302
    assert User.objects.get(username="teacher1").locked_until is None


def test_failures_expire_after_the_lockout_window(client):
    from yiwang.accounts.models import SignInFailure

    UserFactory(username="teacher1")
    for _ in range(5):
        post_login(client, "teacher1", "wrong")
    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=31))
    assert post_login(client, "teacher1", PASSWORD).status_code == 302


def test_lock_expires(client):
    UserFactory(username="teacher1", locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "teacher1", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=5)
def test_lockout_thresholds_are_configurable(client):
    UserFactory(username="teacher1")
    post_login(client, "teacher1", "wrong")
    post_login(client, "teacher1", "wrong")
    assert AuditRecord.objects.get(action="account.locked").after["scope"] == "client"
    assert post_login(client, "teacher1", PASSWORD).status_code == 400


def test_one_client_cannot_spray_passwords_across_many_accounts(client):
    names = [f"staff{i}" for i in range(25)]
    for name in names:
        UserFactory(username=name)
    for name in names[:20]:
        post_login(client, name, "Spring2026!")
    assert AuditRecord.objects.filter(action="sign_in.throttled").count() == 1
    # Throttled: even a right password from this client is refused now...
    assert post_login(client, names[24], PASSWORD).status_code == 400
    # ...but no account was locked for everyone else.
    assert not User.objects.filter(locked_until__isnull=False).exists()
    from django.test import Client

    assert post_login(Client(REMOTE_ADDR="198.51.100.8"), names[24], PASSWORD).status_code == 302


def test_many_clients_against_one_account_lock_it_for_everyone():
    from django.test import Client

    UserFactory(username="dean")
    for i in range(4):
        c = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
        for _ in range(5):
            post_login(c, "dean", "wrong")
    assert User.objects.get(username="dean").is_locked()
    assert AuditRecord.objects.filter(action="account.locked", after__scope="account").count() == 1
    assert post_login(Client(REMOTE_ADDR="198.51.100.9"), "dean", PASSWORD).status_code == 400


@override_settings(LOGIN_GLOBAL_MAX_FAILURES=6)
def test_global_spraying_limit_leaves_one_try_per_failing_client():
    from django.test import Client

    for i in range(6):
        UserFactory(username=f"u{i}")
        post_login(Client(REMOTE_ADDR=f"203.0.113.{i + 1}"), f"u{i}", "wrong")
    # A client that already failed gets no more tries while the platform is under attack...
    assert post_login(Client(REMOTE_ADDR="203.0.113.1"), "u0", PASSWORD).status_code == 400
    # ...a client with no failure still signs in.
    assert post_login(Client(REMOTE_ADDR="198.51.100.10"), "u0", PASSWORD).status_code == 302


def test_success_clears_this_clients_failures(client):
    from yiwang.accounts.models import SignInFailure

    UserFactory(username="teacher1")
    post_login(client, "teacher1", "wrong")
    post_login(client, "teacher1", PASSWORD)
    assert SignInFailure.objects.filter(username="teacher1").count() == 0


def test_sign_in_costs_one_hash_for_unknown_wrong_and_locked(monkeypatch):
    """Comparable timing: every path hashes the given password exactly once."""
    from django.contrib.auth import hashers

    from yiwang.accounts import services

    UserFactory(username="teacher1")
    UserFactory(username="locked1", locked_until=timezone.now() + timedelta(minutes=10))
    calls = []
    real = hashers.MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return real(self, password, salt)

    monkeypatch.setattr(hashers.MD5PasswordHasher, "encode", counting)
    for name, pw in (("nobody", "x1"), ("teacher1", "x2"), ("locked1", PASSWORD)):
        calls.clear()
        services.sign_in(username=name, password=pw)
        assert calls == [pw], name


def test_common_and_name_like_passwords_refused():
    from tests.factories import platform_admin

    from yiwang.accounts import services
    from yiwang.accounts.enums import PlatformRoleKind
    from yiwang.core.errors import DomainError

    security = platform_admin(PlatformRoleKind.SECURITY)
    with pytest.raises(DomainError) as exc:
        services.create_user(by=security, username="zhangwei", full_name="张伟", password="Password1")
    assert "这个密码太常见了。" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.create_user(by=security, username="liuyang2026", full_name="刘洋", password="Liuyang2026")
    assert exc.value.message == "密码跟 用户名 太相似了。"
    assert not User.objects.filter(username__in=["zhangwei", "liuyang2026"]).exists()


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _session_writes(client, url="/network/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1 for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    )


def test_idle_session_expires_after_thirty_minutes_without_a_write_on_every_request(client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    UserFactory(username="teacher1")
    post_login(client, "teacher1", PASSWORD)
    expires = _session(client).expire_date
    assert abs((expires - timezone.now()) - timedelta(minutes=30)) < timedelta(seconds=10)
    # within the minute: no write; the expiry stays
    assert _session_writes(client) == 0
    assert _session(client).expire_date == expires
    # the last move a minute or more ago: the next request moves the expiry forward
    store = client.session
    store[SlidingSessionMiddleware.KEY] -= 61
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expires - timedelta(minutes=1))
    assert _session_writes(client) == 1
    assert _session(client).expire_date > expires - timedelta(seconds=5)


def test_a_session_idle_for_thirty_minutes_is_signed_out(client):
    UserFactory(username="teacher1")
    post_login(client, "teacher1", PASSWORD)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/network/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


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

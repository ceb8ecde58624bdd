"""Part 13: API writes with an Idempotency-Key — a repeat returns the first answer and writes
nothing; the same key with another body is refused; keys are per caller and expire."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test import Client
from django.utils import timezone
from tests.factories import member

from yiwang.accounts.idempotency import BAD_KEY, KEY_REUSED
from yiwang.accounts.models import IdempotencyKey
from yiwang.accounts.services import create_api_token
from yiwang.activity.models import AuditRecord
from yiwang.faculty.models import Teacher

pytestmark = pytest.mark.django_db

URL = "/api/v1/faculty/"
BODY = {"school_code": "city", "name": "陈静", "title": "associate", "scope": "school"}


def bearer(user) -> dict:
    _, key = create_api_token(user=user, name="省平台同步")
    return {"Authorization": f"Bearer {key}"}


def post(headers, body=BODY, key="sync-2026-0001"):
    return Client().post(
        URL, body, content_type="application/json", headers={**headers, "Idempotency-Key": key}
    )


def test_a_repeated_key_returns_the_first_answer_and_writes_once(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    first = post(headers)
    second = post(headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Teacher.objects.count() == 1
    assert AuditRecord.objects.filter(action="teacher.created").count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    assert post(headers).status_code == 201
    response = post(headers, {**BODY, "name": "王芳"})
    assert response.status_code == 422
    assert response.json() == {
        "error": {"code": "idempotency_key_reused", "message": KEY_REUSED, "field": "Idempotency-Key"}
    }
    assert list(Teacher.objects.values_list("name", flat=True)) == ["陈静"]


def test_writes_without_a_key_are_not_deduplicated(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    for _ in range(2):
        assert Client().post(URL, BODY, content_type="application/json", headers=headers).status_code == 201
    assert Teacher.objects.count() == 2


def test_keys_belong_to_their_caller(network):
    post(bearer(member(network.city, is_teaching_staff=True)))
    other = post(bearer(member(network.city, is_teaching_staff=True)))
    assert other.status_code == 201 and not other.has_header("Idempotent-Replayed")
    assert Teacher.objects.count() == 2


def test_a_refused_request_releases_its_key_for_the_corrected_retry(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    refused = post(headers, {**BODY, "title": "院士"})
    assert refused.status_code in (400, 422)
    assert not IdempotencyKey.objects.exists()
    assert post(headers).status_code == 201
    assert Teacher.objects.count() == 1


def test_an_expired_key_runs_the_request_again(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    post(headers)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(headers)
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Teacher.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_keys_expire_after_the_configured_hours(network, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 2
    post(bearer(member(network.city, is_teaching_staff=True)))
    record = IdempotencyKey.objects.get()
    assert record.expires_at - record.created_at == timedelta(hours=2)
    IdempotencyKey.objects.update(expires_at=timezone.now())
    out = io.StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue() == "已删除 1 条过期的幂等键记录。\n"
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "a b", "键", "x" * 256])
def test_a_malformed_key_is_refused_before_anything_runs(network, key):
    response = post(bearer(member(network.city, is_teaching_staff=True)), key=key)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "idempotency_key_invalid",
        "message": BAD_KEY,
        "field": "Idempotency-Key",
    }
    assert Teacher.objects.count() == 0


def test_session_callers_with_the_csrf_token_are_deduplicated_too(network):
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        member(network.city, is_teaching_staff=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    client.get("/accounts/me/")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value, "Idempotency-Key": "k1"}
    first = client.post(URL, BODY, content_type="application/json", headers=headers)
    second = client.post(URL, BODY, content_type="application/json", headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert Teacher.objects.count() == 1


def test_the_database_refuses_a_second_record_for_one_caller_and_key(network):
    user = member(network.city)
    now = timezone.now()
    IdempotencyKey.objects.create(user=user, key="k", fingerprint="a", expires_at=now)
    with pytest.raises(IntegrityError):
        IdempotencyKey.objects.create(user=user, key="k", fingerprint="b", expires_at=now)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_write_once_on_postgresql(network):
    headers = bearer(member(network.city, is_teaching_staff=True))
    answers = []

    def send():
        try:
            answers.append(post(headers))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert Teacher.objects.count() == 1

"""Rating flood (#9 part 8): an anonymous rating needs a one-time ticket issued when the device opens the
session's QR rating page; a session's cap counts only ratings that could be real."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import confirmed, now_session

from yiwang.classes import services, tokens
from yiwang.classes.models import Evaluation, RatingTicket
from yiwang.core.errors import ConflictError, DomainError

GOOD = {"relevance": 18, "theory": 18, "information": 18, "delivery": 18, "manner": 18}
API = "/api/v1/classes"
BAD = "评课凭证无效，请重新扫描教室里的二维码，打开评课页面后再提交。"
USED = "这张评课凭证已使用过，请重新扫描二维码打开评课页面。"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _page_ticket(client, token: str) -> str:
    page = client.get(f"/classes/q/{token}/")
    assert page.status_code == 200
    return re.search(r'name="ticket" value="([^"]+)"', page.content.decode()).group(1)


def test_opening_the_page_issues_a_hashed_ticket_bound_to_the_session(network, client):
    session = now_session(network.city)
    ticket = _page_ticket(client, tokens.qr_token(session))
    row = RatingTicket.objects.get()
    assert (row.session_id, row.used_at) == (session.pk, None)
    assert row.expires_at == tokens.qr_window(session)[1]
    assert row.digest not in ticket and ticket.split(":")[1] not in row.digest
    assert len(row.digest) == 64
    _page_ticket(client, tokens.qr_token(session))  # every opening is a new ticket
    assert RatingTicket.objects.count() == 2


def test_missing_ticket_refused_and_nothing_saved(network, client):
    session = now_session(network.city)
    token = tokens.qr_token(session)
    client.get(f"/classes/q/{token}/")  # the device cookie
    response = client.post(f"/classes/q/{token}/rate/", GOOD)
    assert response.status_code == 400 and BAD in response.content.decode()
    with pytest.raises(DomainError) as exc:
        services.submit_evaluation(qr=token, scores=GOOD, device_id="phone-1")
    assert (exc.value.message, exc.value.code) == (BAD, "bad_ticket")
    assert Evaluation.objects.count() == 0


def test_used_ticket_refused_on_another_device(network, client):
    session = now_session(network.city)
    token = tokens.qr_token(session)
    ticket = _page_ticket(client, token)
    services.submit_evaluation(qr=token, scores=GOOD, device_id="phone-1", ticket=ticket)
    with pytest.raises(ConflictError) as exc:
        services.submit_evaluation(qr=token, scores=GOOD, device_id="phone-2", ticket=ticket)
    assert (exc.value.message, exc.value.code) == (USED, "used_ticket")
    assert Evaluation.objects.count() == 1
    assert RatingTicket.objects.filter(used_at__isnull=False).count() == 1


def test_foreign_and_forged_tickets_refused(network):
    session = now_session(network.city)
    other = now_session(network.city)
    foreign = services.issue_rating_ticket(other)
    for ticket in (foreign, "forged", foreign.rsplit(":", 1)[0] + ":AAAA"):
        with pytest.raises(DomainError) as exc:
            services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, device_id="p", ticket=ticket)
        assert exc.value.message == BAD
    assert Evaluation.objects.count() == 0
    assert RatingTicket.objects.get().used_at is None  # the other session's ticket is still good


def test_expired_ticket_refused(network):
    session = now_session(network.city)
    ticket = services.issue_rating_ticket(session)
    RatingTicket.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="评课凭证已过期，请重新扫描二维码打开评课页面。"):
        services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, device_id="p", ticket=ticket)
    assert Evaluation.objects.count() == 0


def test_a_refused_rating_keeps_its_ticket(network):
    session = now_session(network.city)
    ticket = services.issue_rating_ticket(session)
    with pytest.raises(DomainError):
        services.submit_evaluation(
            qr=tokens.qr_token(session), scores={**GOOD, "theory": 99}, device_id="p", ticket=ticket
        )
    services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, device_id="p", ticket=ticket)
    assert Evaluation.objects.count() == 1


def test_ratings_stay_anonymous(network):
    ticket_fields = {f.name for f in RatingTicket._meta.get_fields()}
    assert ticket_fields == {"id", "session", "digest", "expires_at", "used_at", "created_at"}
    assert not [f for f in Evaluation._meta.get_fields() if f.related_model is RatingTicket]


def test_cap_counts_only_ratings_that_could_be_real(network, settings):
    settings.CLASSES_RATING_MARGIN = 0
    session = now_session(network.city)
    session.training_class.trainee_count = 1
    session.training_class.save()
    visitor = member(network.branch_a, is_teacher=True)
    confirmed(session, visitor, network.branch_a)  # cap: 1 trainee + 1 visitor
    for n in range(5):  # a flood that skipped the ticket (e.g. written before tickets) does not count
        Evaluation.objects.create(session=session, rater_fingerprint=f"old-{n}", **GOOD)
    assert services.real_rating_count(session) == 0
    services.submit_evaluation(
        qr=tokens.qr_token(session), scores=GOOD, device_id="p1", ticket=services.issue_rating_ticket(session)
    )
    services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, user=visitor)
    assert services.real_rating_count(session) == 2
    late = services.issue_rating_ticket(session)
    with pytest.raises(DomainError, match="这堂课的评价数量已达上限"):
        services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, device_id="p2", ticket=late)
    assert Evaluation.objects.count() == 7
    assert RatingTicket.objects.get(used_at__isnull=True)  # the refused rating did not spend its ticket


def test_ticket_issuing_is_rate_limited_per_client(network, client, settings):
    settings.CLASSES_RATING_TICKET_IP_LIMIT = 2
    session = now_session(network.city)
    token = tokens.qr_token(session)
    _page_ticket(client, token)
    _page_ticket(client, token)
    page = client.get(f"/classes/q/{token}/").content.decode()
    assert "评课页面打开过于频繁，请稍后刷新页面。" in page and 'name="ticket"' not in page
    assert RatingTicket.objects.count() == 2


def test_api_needs_a_ticket(network, client):
    session = now_session(network.city)
    payload = {"token": tokens.qr_token(session), "device_id": "d" * 20, **GOOD}
    missing = client.post(f"{API}/evaluations", payload, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["error"] == {"code": "bad_ticket", "message": BAD}
    ticket = client.post(
        f"{API}/evaluations/tickets", {"token": tokens.qr_token(session)}, content_type="application/json"
    ).json()["ticket"]
    assert (
        client.post(
            f"{API}/evaluations", {**payload, "ticket": ticket}, content_type="application/json"
        ).status_code
        == 201
    )
    reused = client.post(
        f"{API}/evaluations",
        {**payload, "device_id": "e" * 20, "ticket": ticket},
        content_type="application/json",
    )
    assert reused.status_code == 409 and reused.json()["error"]["message"] == USED
    forged_qr = client.post(f"{API}/evaluations/tickets", {"token": "1:x"}, content_type="application/json")
    assert forged_qr.status_code == 400 and forged_qr.json()["error"]["code"] == "bad_qr"
    assert Evaluation.objects.count() == 1

"""Issue 10 part 9: a session's QR code can be printed in advance — valid from shortly before
the session until a while after its end (following the session if it moves), not 24 h from display."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories.classes import open_session

from yiwang.classes import services, tokens
from yiwang.classes.models import Session
from yiwang.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_code_printed_days_ahead_works_during_the_session(network):
    session = open_session(network.city, day=timezone.localdate() + timedelta(days=5))
    printed = tokens.qr_token(session)
    assert tokens.session_id_from_qr(printed) == session.pk
    opens, closes = tokens.qr_window(session)
    assert (opens, closes) == (
        session.starts_at - timedelta(minutes=60),
        session.ends_at + timedelta(minutes=120),
    )
    with pytest.raises(DomainError) as exc:
        tokens.check_qr_window(session, now=session.starts_at - timedelta(days=5))
    local = timezone.localtime(opens)
    assert exc.value.message == f"二维码将于 {local:%m月%d日 %H:%M} 启用（开课前 60 分钟）。"
    tokens.check_qr_window(session, now=session.starts_at + timedelta(minutes=5))
    with pytest.raises(DomainError, match="这堂课已结束，二维码已失效。"):
        tokens.check_qr_window(session, now=closes + timedelta(minutes=1))


def test_landing_page_before_the_window_says_when_it_opens(network):
    session = open_session(network.city, day=timezone.localdate() + timedelta(days=5))
    response = Client().get(f"/classes/q/{tokens.qr_token(session)}/")
    assert response.status_code == 400
    assert "二维码将于" in response.content.decode()


def test_ratings_after_the_window_are_refused(network):
    session = open_session(network.city, day=timezone.localdate() - timedelta(days=2))
    with pytest.raises(DomainError, match="这堂课已结束，二维码已失效。"):
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores={k: 15 for k in ("relevance", "theory", "information", "delivery", "manner")},
            device_id="a",
            ticket=services.issue_rating_ticket(session),
        )
    assert Session.objects.get(pk=session.pk).evaluations.count() == 0

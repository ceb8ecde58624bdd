"""200 simultaneous sign-ups for 30 seats through the real HTTP endpoint, on PostgreSQL.

Each request is a different teacher with a personal API token. The server is
Django's threaded live server, with at most ``HANDLERS`` requests inside Django
at once (like a production worker pool; PostgreSQL here allows 100 connections
shared with other test runs). The negative control replaces the guard — the
conditional seat UPDATE — with a naive check-then-update test double (from this
test only) and shows the test catches the overbooking that produces.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from tests.factories import MembershipFactory, SchoolFactory
from tests.factories.classes import open_session

from yiwang.accounts.services import create_api_token
from yiwang.classes.models import Session, SignUp
from yiwang.classes.services import signups
from yiwang.network.enums import SchoolLevel, SharingScope

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

REQUESTS, SEATS, HANDLERS = 200, 30, 30


class BoundedThreadedWSGIServer(ThreadedWSGIServer):
    """Accepts every connection at once, lets ``HANDLERS`` of them into Django at a time."""

    request_queue_size = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = threading.BoundedSemaphore(HANDLERS)

    def process_request_thread(self, request, client_address):
        with self.slots:
            super().process_request_thread(request, client_address)


class RaceServerThread(LiveServerThread):
    server_class = BoundedThreadedWSGIServer


@pytest.fixture
def race_server():
    thread = RaceServerThread("127.0.0.1", StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def crowd():
    """An open session with 30 seats and 200 teachers of a branch school, each with an API key."""
    city = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    branch = SchoolFactory(
        code="gz-panyu",
        name="中共广州市番禺区委党校",
        short_name="番禺",
        parent=city,
        level=SchoolLevel.COUNTY,
    )
    session = open_session(city, scope=SharingScope.SYSTEM, seats=SEATS)
    keys = []
    for _ in range(REQUESTS):
        user = MembershipFactory(school=branch, is_teacher=True).user
        keys.append(create_api_token(user=user, name="并发测试")[1])
    return session, keys


def fire(base_url: str, session_id: int, keys: list[str]) -> list[tuple[int, str, float]]:
    """All requests released together by a barrier; returns (status, sign-up status, seconds) each."""
    barrier = threading.Barrier(len(keys))
    url = f"{base_url}/api/v1/classes/sessions/{session_id}/sign-ups"

    def one(key):
        with requests.Session() as http:
            barrier.wait()
            started = time.perf_counter()
            response = http.post(url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
            elapsed = time.perf_counter() - started
        body = (
            response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        )
        return response.status_code, body.get("status", ""), elapsed

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(one, keys))


def test_200_simultaneous_sign_ups_never_exceed_30_seats(race_server, crowd):
    session, keys = crowd
    results = fire(race_server, session.pk, keys)
    assert sorted({code for code, _, _ in results}) == [201]
    answered = [status for _, status, _ in results]
    assert (answered.count("confirmed"), answered.count("waitlisted")) == (SEATS, REQUESTS - SEATS)
    stored = list(SignUp.objects.filter(session=session).values_list("status", flat=True))
    assert (stored.count("confirmed"), stored.count("waitlisted"), len(stored)) == (
        SEATS,
        REQUESTS - SEATS,
        REQUESTS,
    )
    positions = sorted(
        SignUp.objects.filter(session=session, status="waitlisted").values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, REQUESTS - SEATS + 1))
    assert Session.objects.get(pk=session.pk).seats_taken == SEATS


def take_seat_naively(session: Session) -> bool:
    """Test double of ``signups.take_seat``: count, then write — overbooks under load."""
    confirmed = SignUp.objects.filter(session=session, status="confirmed").count()
    if confirmed >= session.visiting_seats:
        return False
    Session.objects.filter(pk=session.pk).update(seats_taken=confirmed + 1)
    return True


@pytest.fixture
def without_the_seat_guard(monkeypatch):
    monkeypatch.setattr(signups, "take_seat", take_seat_naively)


def test_negative_control_without_the_guard_overbooks(race_server, crowd, without_the_seat_guard):
    """Proves the test above can fail: naive check-then-update lets more than 30 in."""
    session, keys = crowd
    results = fire(race_server, session.pk, keys)
    assert sorted({code for code, _, _ in results}) == [201]
    confirmed = SignUp.objects.filter(session=session, status="confirmed").count()
    assert confirmed > SEATS, f"未能复现超订（确认 {confirmed} 人）"

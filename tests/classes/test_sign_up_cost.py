"""The statement count of one sign-up over the API is pinned (issue 12: a lean sign-up path).

Counted with the personal-token request of the race benchmark, after the token's first use
(so its ``last_used_at`` write is not in the count). In the test run the transaction shows
as SAVEPOINT / RELEASE (two of the statements); in production it is BEGIN / COMMIT.
Today, confirmed: token, viewer context (one statement, was five), session, home school, then
person lock, one clash query, the seat UPDATE, insert, audit record: 11 with the savepoint pair
(was 15). Waitlisted adds the counter UPDATE.
"""

import pytest
from django.test import Client
from tests.factories import member
from tests.factories.classes import open_session

from yiwang.accounts.services import create_api_token
from yiwang.classes import services
from yiwang.classes.models import SignUp

CONFIRMED_MAX, WAITLISTED_MAX = 11, 12


@pytest.fixture
def signed_in_teacher(network):
    """A branch teacher's API client whose token has been used once already."""
    user = member(network.branch_a, is_teacher=True)
    key = create_api_token(user=user, name="测试")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/classes/sign-ups/mine").status_code == 200
    return user, client


def sign_up(client, session):
    return client.post(f"/api/v1/classes/sessions/{session.pk}/sign-ups")


def test_a_confirmed_sign_up_costs_at_most_11_statements(
    network, signed_in_teacher, django_assert_max_num_queries
):
    user, client = signed_in_teacher
    session = open_session(network.city, seats=5)
    with django_assert_max_num_queries(CONFIRMED_MAX):
        response = sign_up(client, session)
    assert (response.status_code, response.json()["status"]) == (201, "confirmed")
    assert SignUp.objects.get(session=session, user=user).status == "confirmed"


def test_a_waitlisted_sign_up_costs_at_most_12_statements_and_takes_the_next_number(
    network, signed_in_teacher, django_assert_max_num_queries
):
    user, client = signed_in_teacher
    session = open_session(network.city, seats=1)
    first, second = member(network.branch_a, is_teacher=True), member(network.branch_a, is_teacher=True)
    services.sign_up(by=first, session_id=session.pk)
    services.sign_up(by=second, session_id=session.pk)
    with django_assert_max_num_queries(WAITLISTED_MAX):
        response = sign_up(client, session)
    assert (response.status_code, response.json()["status"], response.json()["waitlist_position"]) == (
        201,
        "waitlisted",
        2,
    )
    session.refresh_from_db()
    assert (session.seats_taken, session.waitlist_last) == (1, 2)

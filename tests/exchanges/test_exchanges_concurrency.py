"""Several member schools accept one alliance-addressed request at the same moment, on PostgreSQL:
exactly one acceptance stands, every other school is refused with a Chinese message naming the
school that took it, and the hosting follows the winner. The negative control replaces the guard
(the request row lock, ``services.lock_request``) with a naive read-then-wait test double and shows
the several acceptances that produces."""

import threading
import time as clock
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from tests.factories import SchoolFactory, join, member

from yiwang.accounts.models import User
from yiwang.core.errors import ConflictError
from yiwang.exchanges import services
from yiwang.exchanges.enums import RequestStatus
from yiwang.exchanges.models import HostedTraining, Request, RequestEvent

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TAKERS = 12  # the city school and eleven more members, each accepting once


@pytest.fixture
def crowd(net, far_hosting):
    """远方 asks its alliance to host a class; TAKERS other member schools' staff stand ready."""
    schools = [net.city] + [SchoolFactory(name=f"中共并发{n:02d}县委党校") for n in range(TAKERS - 1)]
    join(net.alliance, *schools)
    staff = {member(school, is_training_staff=True).pk: school.pk for school in schools}
    return far_hosting(in_days=20, planned_trainees=30, to_alliance=net.alliance), staff


def _accept_all(request_pk: int, staff_ids: list[int]) -> list[tuple[int, str]]:
    """Every staff member accepts at once (released by a barrier): (user id, "accepted" or the message)."""
    barrier = threading.Barrier(len(staff_ids))

    def accept(user_id):
        by = User.objects.get(pk=user_id)
        request = Request.objects.get(pk=request_pk)
        try:
            barrier.wait(timeout=10)
            services.accept_request(by=by, request=request, note="我校承办")
            return user_id, "accepted"
        except ConflictError as error:
            return user_id, error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(staff_ids)) as pool:
        return list(pool.map(accept, staff_ids))


def test_of_several_simultaneous_acceptances_exactly_one_stands(crowd):
    hosting, staff = crowd
    outcomes = _accept_all(hosting.request_id, list(staff))
    winners = [user_id for user_id, outcome in outcomes if outcome == "accepted"]
    assert len(winners) == 1
    request = Request.objects.select_related("to_school").get(pk=hosting.request_id)
    assert (request.status, request.to_school_id) == (RequestStatus.ACCEPTED, staff[winners[0]])
    refusals = [outcome for _, outcome in outcomes if outcome != "accepted"]
    assert refusals == [f"该请求已由{request.to_school.name}接受，无需再处理。"] * (TAKERS - 1)
    assert HostedTraining.objects.get(pk=hosting.pk).host_school_id == request.to_school_id
    assert RequestEvent.objects.filter(request=request, status=RequestStatus.ACCEPTED).count() == 1


def naive_lock_request(pk: int) -> Request:
    """Test double of ``services.lock_request``: read without a lock, then wait — every taker reads
    the request still open, which is what the lock exists to prevent."""
    request = Request.objects.select_related("from_school", "to_school", "to_alliance").get(pk=pk)
    clock.sleep(0.2)
    return request


def test_negative_control_without_the_lock_several_schools_accept(crowd, monkeypatch):
    hosting, staff = crowd
    monkeypatch.setattr(services, "lock_request", naive_lock_request)
    outcomes = _accept_all(hosting.request_id, list(staff))
    accepted = [user_id for user_id, outcome in outcomes if outcome == "accepted"]
    assert len(accepted) > 1, "without the row lock several member schools should each have accepted"

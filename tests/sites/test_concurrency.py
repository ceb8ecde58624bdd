"""100 simultaneous approvals of overlapping bookings of one site, on PostgreSQL: exactly one is
approved, and adjacent bookings are all approved. The negative control replaces the guard (the
site row lock and overlap check) with a naive check-then-approve test double and drops the
exclusion constraint, and shows the double-booking that produces."""

import contextlib
import threading
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from django.db import connection
from tests.factories import member
from tests.sites.conftest import at

from yiwang.accounts.models import User
from yiwang.core.errors import DomainError
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request
from yiwang.network.enums import SharingScope
from yiwang.sites import selectors, services
from yiwang.sites.enums import BookingStatus
from yiwang.sites.models import Booking, FieldSite

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

OVERLAPPING, ADJACENT, WORKERS = 100, 8, 20
ADD_CONSTRAINT = (
    "ALTER TABLE sites_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
    "(site_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status IN ('approved', 'completed'))"
)


def _pending(site, school, user, starts_at, ends_at, n) -> Booking:
    """A submitted booking written as rows (fast set-up; the race is in the approvals)."""
    request = Request.objects.create(
        kind=RequestKind.SITE_BOOKING,
        from_school=school,
        to_school=site.owner_school,
        subject_key=f"race:{n}",
        title=f"预约 {n}",
        starts_at=starts_at,
        ends_at=ends_at,
        status=RequestStatus.SUBMITTED,
        created_by=user,
    )
    return Booking.objects.create(
        site=site,
        request=request,
        requesting_school=school,
        owner_school=site.owner_school,
        starts_at=starts_at,
        ends_at=ends_at,
        group_size=10,
        purpose=f"班次 {n}",
    )


@pytest.fixture
def race(network):
    owner = member(network.city, is_training_staff=True)
    sender = member(network.far, is_training_staff=True)
    site = services.create_site(
        by=None,
        school=network.city,
        name="并发测试基地",
        address="某地",
        capacity=100,
        opens_at=time(8),
        closes_at=time(20),
        scope=SharingScope.NETWORK,
    )
    start = at(10, 9)
    overlapping = [
        _pending(
            site,
            network.far,
            sender,
            start + timedelta(minutes=i % 50),
            start + timedelta(hours=2, minutes=i % 50),
            i,
        )
        for i in range(OVERLAPPING)
    ]
    day = start + timedelta(days=1)  # the site is open every day
    adjacent = [
        _pending(site, network.far, sender, day + timedelta(hours=i), day + timedelta(hours=i + 1), 1000 + i)
        for i in range(ADJACENT)
    ]
    return owner.pk, overlapping, adjacent


def _approve_all(owner_id, bookings) -> list[str]:
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []

    def approve(booking):
        by = User.objects.get(pk=owner_id)
        try:
            if len(outcomes) < WORKERS:
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=5)
            services.approve_booking(by=by, booking=booking)
            outcomes.append("approved")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(approve, bookings))
    return outcomes


def test_one_of_100_overlapping_approvals_wins_and_adjacent_all_win(race):
    owner_id, overlapping, adjacent = race
    outcomes = _approve_all(owner_id, overlapping + adjacent)
    assert len(outcomes) == OVERLAPPING + ADJACENT
    held = Booking.objects.filter(status=BookingStatus.APPROVED)
    assert held.filter(pk__in=[b.pk for b in overlapping]).count() == 1
    assert held.filter(pk__in=[b.pk for b in adjacent]).count() == ADJACENT
    assert outcomes.count("approved") == 1 + ADJACENT
    # the refused ones are unchanged: still pending, their requests still waiting
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == OVERLAPPING - 1
    assert Request.objects.filter(status=RequestStatus.SUBMITTED).count() == OVERLAPPING - 1


def test_negative_control_without_the_guard_double_books(race, monkeypatch):
    owner_id, overlapping, _ = race

    def naive_guard(booking):
        """Check, wait, approve — no lock: what the guard exists to prevent."""
        clash = selectors.holding_overlaps(
            booking.site_id, booking.starts_at, booking.ends_at, exclude_pk=booking.pk
        )
        found = clash.exists()
        clock.sleep(0.05)
        if found:
            raise DomainError("重叠")
        return FieldSite.objects.get(pk=booking.site_id)

    monkeypatch.setattr(services, "guard_slot", naive_guard)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sites_booking DROP CONSTRAINT booking_no_overlap")
    try:
        _approve_all(owner_id, overlapping)
        approved = Booking.objects.filter(
            pk__in=[b.pk for b in overlapping], status=BookingStatus.APPROVED
        ).count()
        assert approved > 1, "without the guard overlapping bookings should have been double-booked"
    finally:
        Booking.objects.filter(status=BookingStatus.APPROVED).update(status=BookingStatus.PENDING)
        with connection.cursor() as cursor:
            cursor.execute(ADD_CONSTRAINT)


def test_exclusion_constraint_alone_refuses_an_overlap(race):
    """The database's last word: even a write that skips the services cannot hold an overlapping slot."""
    from django.db import IntegrityError, transaction

    _, overlapping, _ = race
    Booking.objects.filter(pk=overlapping[0].pk).update(status=BookingStatus.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=overlapping[1].pk).update(status=BookingStatus.APPROVED)

"""Fixtures of the field-site tests: a site of the city school shared with the alliance, staff of
both schools, and a helper for booking times inside the opening hours."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from tests.factories import member

from yiwang.network.enums import SharingScope
from yiwang.sites import services


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local time ``days`` from today, on a weekday the demo sites are open (Mon–Fri)."""
    day = timezone.localdate() + timedelta(days=days)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def owner_staff(network):
    return member(network.city, is_training_staff=True)


@pytest.fixture
def booker(network):
    """Training staff of the far school (in the alliance with the city school)."""
    return member(network.far, is_training_staff=True)


@pytest.fixture
def outsider(network):
    return member(network.stranger, is_school_admin=True)


@pytest.fixture
def site(network):
    return services.create_site(
        by=None,
        school=network.city,
        name="测试红色教育基地",
        address="测试市某路 1 号",
        capacity=50,
        opens_at=time(9, 0),
        closes_at=time(17, 0),
        open_weekdays="12345",
        themes="red,spirit",
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
    )


@pytest.fixture
def book(booker, network):
    def make(site, start, hours=2, size=30, by=None, school=None):
        return services.book_site(
            by=by or booker,
            site=site,
            school=school or network.far,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            group_size=size,
            purpose="中青班现场教学",
        )

    return make

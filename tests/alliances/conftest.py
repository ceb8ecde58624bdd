import pytest
from tests.factories import member

from yiwang.alliances import services


@pytest.fixture
def lead(network):
    """Staff of the alliance's lead school (the city school)."""
    return member(network.city, is_school_admin=True)


@pytest.fixture
def far_staff(network):
    return member(network.far, is_training_staff=True)


@pytest.fixture
def far_teacher(network):
    return member(network.far, is_teacher=True)


@pytest.fixture
def outsider(network):
    return member(network.stranger, is_school_admin=True)


@pytest.fixture
def space(network):
    return services.ensure_space(alliance=network.alliance)


@pytest.fixture
def meeting(space, network, lead):
    from datetime import date

    return services.create_meeting(
        by=lead,
        space=space,
        title="第一次联席会议",
        held_on=date(2026, 4, 18),
        host_school=network.city,
        agenda="议程",
        attendee_schools=[network.city, network.far],
    )

"""Fixtures of the exchanges tests: the small network with two far-apart schools and their staff."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import TeacherFactory, TrainingClassFactory

from yiwang.network.enums import SharingScope


@pytest.fixture
def net(network):
    """``far`` is in another city (梅州): a dispatch there the evening before means travel."""
    network.far.city = "梅州市"
    network.far.save(update_fields=["city"])
    return network


@pytest.fixture
def city_staff(net):
    return member(net.city, is_training_staff=True)


@pytest.fixture
def far_staff(net):
    return member(net.far, is_training_staff=True)


@pytest.fixture
def branch_staff(net):
    return member(net.branch_a, is_teaching_staff=True)


@pytest.fixture
def stranger_staff(net):
    return member(net.stranger, is_school_admin=True)


@pytest.fixture
def city_teacher(net):
    """A teacher of the city school, shared with the whole network, with an account."""
    user = member(net.city, is_teacher=True)
    return TeacherFactory(owner_school=net.city, name="林志远", scope=SharingScope.NETWORK, user=user)


@pytest.fixture
def branch_class(net):
    """A published class of branch A running from a week ago to two months ahead."""
    return TrainingClassFactory(owner_school=net.branch_a, name="甲区科级干部进修班")


@pytest.fixture
def far_class(net):
    return TrainingClassFactory(owner_school=net.far, name="远方市中青班")


@pytest.fixture
def day():
    """A working day a few days ahead."""
    return timezone.localdate() + timedelta(days=5)


@pytest.fixture
def far_hosting(net, far_staff):
    """Opens 远方's request for its young-cadre class (10 days from ``in_days`` ahead) to a school
    (``to_school=``) or its alliance (``to_alliance=``)."""
    from yiwang.exchanges.services import hosting as hosting_services

    def open_hosting(*, in_days: int, planned_trainees: int, **to):
        start = timezone.localdate() + timedelta(days=in_days)
        return hosting_services.open_hosting(
            by=far_staff,
            from_school=net.far,
            title="远方市青年干部培训班",
            start_date=start,
            end_date=start + timedelta(days=9),
            planned_trainees=planned_trainees,
            **to,
        )

    return open_hosting

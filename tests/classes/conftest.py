"""Fixtures of the open-classroom tests: the small network, its staff and visiting teachers."""

import pytest
from tests.factories import member


@pytest.fixture
def staff(network):
    """Training staff of the city school (runs its classes)."""
    return member(network.city, is_training_staff=True)


@pytest.fixture
def visitor(network):
    """A teacher of branch A (in the city's system)."""
    return member(network.branch_a, is_teacher=True)


@pytest.fixture
def branch_staff(network):
    """Training staff of branch A (approves its teachers' sign-ups, sees their attendance)."""
    return member(network.branch_a, is_training_staff=True)


@pytest.fixture
def outsider(network):
    return member(network.stranger, is_teacher=True)

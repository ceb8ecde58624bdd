"""Programme seats under a race, on PostgreSQL: 40 people enrolling at once for 10 整期名额
end with exactly 10 enrolled. The negative control replaces the guard (the conditional seat
UPDATE) with a naive read-then-write test double and shows the test catches the overbooking."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from tests.factories import MembershipFactory, SchoolFactory
from tests.factories.classes import SessionFactory, TrainingClassFactory

from yiwang.classes.enums import ClassKind, EnrolmentMode
from yiwang.classes.models import Enrolment, SignUp, TrainingClass
from yiwang.classes.services import enrolments
from yiwang.core.errors import DomainError
from yiwang.network.enums import SchoolLevel, SharingScope

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

PEOPLE, SEATS = 40, 10


@pytest.fixture
def crowd():
    city = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    branch = SchoolFactory(
        code="gz-panyu",
        name="中共广州市番禺区委党校",
        short_name="番禺",
        parent=city,
        level=SchoolLevel.COUNTY,
    )
    klass = TrainingClassFactory(
        owner_school=city,
        kind=ClassKind.WORKSHOP,
        scope=SharingScope.SYSTEM,
        enrolment=EnrolmentMode.PROGRAMME,
        programme_seats=SEATS,
    )
    for offset in (3, 4):
        SessionFactory(
            training_class=klass,
            date=timezone.localdate() + timedelta(days=offset),
            start_time=time(9),
            end_time=time(11),
            is_open=False,
            visiting_seats=0,
        )
    people = [MembershipFactory(school=branch, is_teacher=True).user for _ in range(PEOPLE)]
    return klass, people


def race(klass, people) -> list[str]:
    start = threading.Barrier(len(people))

    def one(person):
        try:
            start.wait()
            enrolments.enrol(by=person, class_id=klass.pk)
            return "enrolled"
        except DomainError as exc:
            return exc.code or "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(one, people))


def test_simultaneous_enrolments_never_pass_the_seats(crowd):
    klass, people = crowd
    outcomes = race(klass, people)
    klass.refresh_from_db()
    assert outcomes.count("enrolled") == SEATS
    assert outcomes.count("programme_full") == PEOPLE - SEATS
    assert klass.programme_taken == SEATS
    assert Enrolment.objects.filter(training_class=klass, status="enrolled").count() == SEATS
    assert SignUp.objects.filter(session__training_class=klass, status="confirmed").count() == SEATS * 2


def naive_take_seat(training_class):
    """Test double without the guard: read the count, decide, write it back (lost updates)."""
    current = TrainingClass.objects.get(pk=training_class.pk)
    if current.programme_taken >= current.programme_seats:
        return False
    threading.Event().wait(0.01)  # widen the gap between the read and the write
    TrainingClass.objects.filter(pk=training_class.pk).update(programme_taken=current.programme_taken + 1)
    return True


def test_negative_control_without_the_guard_overbooks(crowd, monkeypatch):
    klass, people = crowd
    monkeypatch.setattr(enrolments, "_take_programme_seat", naive_take_seat)
    race(klass, people)
    assert Enrolment.objects.filter(training_class=klass, status="enrolled").count() > SEATS

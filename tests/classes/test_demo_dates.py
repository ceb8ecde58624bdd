"""Issue 10 part 12: the demo's dates are relative to the day it first ran, so there are always
past sessions (check-ins, ratings) and upcoming open ones; a later run keeps those dates, and
past sign-up requests do not pile up among the approvals."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from yiwang.classes import demo, selectors
from yiwang.classes.enums import SignUpStatus
from yiwang.classes.models import CheckIn, Session, SignUp, TrainingClass
from yiwang.network import demo as network_demo
from yiwang.network.demo import DemoLog
from yiwang.network.models import School

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_network():
    network_demo.load(scale=0, log=DemoLog())
    return School.objects.get(code="gz")


def test_demo_classes_run_around_the_day_it_first_ran(demo_network):
    demo.load(scale=0, log=DemoLog())
    now = timezone.now()
    today = timezone.localdate()
    starts = sorted(TrainingClass.objects.values_list("start_date", flat=True))
    assert starts == [
        today - timedelta(days=45),  # the finished 整期报名 workshop
        today - timedelta(days=27),
        today - timedelta(days=19),
        today - timedelta(days=4),
        today + timedelta(days=8),  # the coming workshop, open for 整期报名
    ]
    upcoming_open = Session.objects.filter(is_open=True, is_cancelled=False, starts_at__gt=now)
    assert upcoming_open.count() >= 5  # how many depends on the weekday the demo first ran
    assert CheckIn.objects.filter(sign_up__session__ends_at__lt=now).count() > 0
    assert not CheckIn.objects.filter(sign_up__session__starts_at__gt=now).exists()
    assert not SignUp.objects.filter(status=SignUpStatus.PENDING, session__starts_at__lt=now).exists()


def test_demo_programmes_one_completed_and_one_open_for_enrolment(demo_network):
    demo.load(scale=0, log=DemoLog())
    finished, coming = TrainingClass.objects.filter(enrolment="programme").order_by("start_date")
    assert finished.completed_at is not None
    decided = list(finished.enrolments.values_list("completion", flat=True))
    assert len(decided) == 13 and set(decided) == {"completed", "not_completed"}
    assert coming.completed_at is None and coming.programme_taken == 20
    assert coming.enrolments.filter(user__username="gz-panyu-t1", status="enrolled").exists()
    # every coming session of the programme has a confirmed sign-up for each enrolled person
    assert SignUp.objects.filter(session__training_class=coming, status="confirmed").count() == 20 * 4


def test_a_later_run_keeps_the_first_days_dates(demo_network):
    log = DemoLog()
    demo.load(scale=0, log=log)
    first = list(Session.objects.order_by("pk").values_list("pk", "starts_at"))
    assert demo.demo_now(demo_network, today=date(2031, 1, 1)).date() == timezone.localdate()
    again = DemoLog()
    demo.load(scale=0, log=again)
    assert again.created == 0
    assert list(Session.objects.order_by("pk").values_list("pk", "starts_at")) == first


def test_past_sign_up_requests_leave_the_approvals(demo_network):
    from tests.factories import member
    from tests.factories.classes import open_session

    staff = member(demo_network, is_training_staff=True)
    teacher = member(demo_network, is_teacher=True)
    coming = open_session(demo_network, requires_approval=True)
    past = open_session(demo_network, requires_approval=True, day=timezone.localdate() - timedelta(days=2))
    for session in (coming, past):
        SignUp.objects.create(
            session=session, user=teacher, home_school=demo_network, status=SignUpStatus.PENDING
        )
    assert [e.session_id for e in selectors.pending_approvals_for(staff)] == [coming.pk]

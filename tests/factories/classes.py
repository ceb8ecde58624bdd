"""Factories for the open classroom (classes, sessions, sign-ups) and the bank rows they need."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from yiwang.classes.enums import ClassKind, ClassStatus, SignUpStatus
from yiwang.classes.models import Session, SignUp, TrainingClass
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm
from yiwang.topics.models import Topic

from . import SchoolFactory


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    owner_school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教师{n:04d}")
    name_pinyin = factory.Sequence(lambda n: f"jiaoshi{n:04d}")
    scope = SharingScope.NETWORK


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    owner_school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"讲题{n:04d}")
    category = DisciplineCategory.PARTY
    form = TeachingForm.LECTURE
    status = PublicationStatus.PUBLISHED
    scope = SharingScope.NETWORK


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    owner_school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"测试班次{n:04d}")
    kind = ClassKind.MAIN
    term = "2026年秋季学期"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    trainee_count = 40
    status = ClassStatus.PUBLISHED
    scope = SharingScope.SYSTEM


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    training_class = factory.SubFactory(TrainingClassFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    start_time = time(9, 0)
    end_time = time(11, 30)
    starts_at = factory.LazyAttribute(
        lambda o: datetime.combine(o.date, o.start_time, tzinfo=timezone.get_default_timezone())
    )
    ends_at = factory.LazyAttribute(
        lambda o: datetime.combine(o.date, o.end_time, tzinfo=timezone.get_default_timezone())
    )
    title = factory.Sequence(lambda n: f"专题课{n:04d}")
    place = "第一教室"
    form = TeachingForm.LECTURE
    credit_hours = Decimal("2.5")
    is_open = True
    visiting_seats = 5


def open_session(
    school, *, scope=SharingScope.SYSTEM, seats: int = 5, day=None, hours=(9, 11), **fields
) -> Session:
    """A published class of ``school`` with one open session (in three days unless ``day`` is given)."""
    klass = fields.pop("training_class", None) or TrainingClassFactory(owner_school=school, scope=scope)
    day = day or timezone.localdate() + timedelta(days=3)
    return SessionFactory(
        training_class=klass,
        date=day,
        start_time=time(hours[0]),
        end_time=time(hours[1]),
        visiting_seats=seats,
        **fields,
    )


def now_session(school, **fields) -> Session:
    """An open session running right now (for check-in and rating)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # on today's date and running now, even just after or before midnight
    start = max((now - timedelta(minutes=30)).replace(second=0, microsecond=0), midnight)
    end = min(start + timedelta(hours=2), midnight.replace(hour=23, minute=59, second=59))
    klass = fields.pop("training_class", None) or TrainingClassFactory(owner_school=school)
    return SessionFactory(
        training_class=klass,
        date=start.date(),
        start_time=start.time(),
        end_time=end.time(),
        starts_at=start,
        ends_at=end,
        **fields,
    )


def confirmed(session, user, home_school) -> SignUp:
    Session.objects.filter(pk=session.pk).update(seats_taken=session.seats_taken + 1)
    session.refresh_from_db()
    return SignUp.objects.create(
        session=session, user=user, home_school=home_school, status=SignUpStatus.CONFIRMED
    )

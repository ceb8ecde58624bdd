"""Private iCal feeds per person, teacher and school, read back with the icalendar parser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from tests.factories import member
from tests.factories.classes import TeacherFactory, open_session

from yiwang.classes import services
from yiwang.classes.models import CalendarToken
from yiwang.core.errors import NotFoundError
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def feed(client, key):
    response = client.get(f"/classes/ical/{key}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal):
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def test_person_feed_is_valid_and_shows_changes(network, visitor, staff, client):
    session = open_session(network.city, title="红色文化传承", place="农讲所")
    waiting_for = open_session(network.city, seats=1, title="候补的课", day=session.date + timedelta(days=1))
    services.sign_up(by=member(network.branch_b, is_teacher=True), session_id=waiting_for.pk)
    services.sign_up(by=visitor, session_id=session.pk)
    services.sign_up(by=visitor, session_id=waiting_for.pk)
    _, key = services.create_calendar_token(by=visitor, kind="person")
    cal = feed(client, key)
    assert cal["VERSION"] == "2.0" and str(cal["PRODID"]).startswith("-//Yiwang//")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    found = events(cal)
    assert set(found) == {"红色文化传承", "候补的课"}
    event = found["红色文化传承"]
    start = event.decoded("DTSTART")
    assert (start.tzinfo.key if hasattr(start.tzinfo, "key") else str(start.tzinfo)) == "Asia/Shanghai"
    assert start == session.starts_at and event.decoded("DTEND") == session.ends_at
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (str(event["STATUS"]), int(event["SEQUENCE"]), str(event["LOCATION"])) == (
        "CONFIRMED",
        0,
        "农讲所",
    )
    assert str(event["UID"]) == f"session-{session.pk}@yiwang.local"
    assert str(found["候补的课"]["STATUS"]) == "TENTATIVE"
    services.update_session(by=staff, session=session, place="第二教室")
    services.cancel_session(by=staff, session=session)
    event = events(feed(client, key))["红色文化传承"]
    assert (str(event["STATUS"]), int(event["SEQUENCE"]), str(event["LOCATION"])) == (
        "CANCELLED",
        2,
        "第二教室",
    )


def test_teacher_and_school_feeds(network, visitor, staff, client):
    teacher = TeacherFactory(owner_school=network.city, name="陈思源")
    mine = open_session(network.city, teacher=teacher, title="他的课")
    open_session(network.city, title="别人的课", day=mine.date + timedelta(days=1))
    _, teacher_key = services.create_calendar_token(by=visitor, kind="teacher", teacher=teacher)
    _, school_key = services.create_calendar_token(by=visitor, kind="school", school=network.city)
    teacher_cal = feed(client, teacher_key)
    assert list(events(teacher_cal)) == ["他的课"]
    assert str(teacher_cal["X-WR-CALNAME"]) == "陈思源的授课安排"
    assert sorted(events(feed(client, school_key))) == ["他的课", "别人的课"]


def test_revoked_or_unknown_feed_is_gone(network, visitor, client):
    token, key = services.create_calendar_token(by=visitor, kind="person")
    services.revoke_calendar_token(by=visitor, token_id=token.pk)
    assert client.get(f"/classes/ical/{key}.ics").status_code == 404
    assert client.get("/classes/ical/cal_guess.ics").status_code == 404
    with pytest.raises(NotFoundError, match="订阅不存在或已撤销。"):
        services.revoke_calendar_token(by=visitor, token_id=token.pk)


def test_cannot_revoke_someone_elses_feed(network, visitor, client):
    token, key = services.create_calendar_token(by=visitor, kind="person")
    with pytest.raises(NotFoundError):
        services.revoke_calendar_token(by=member(network.branch_a), token_id=token.pk)
    assert CalendarToken.objects.get(pk=token.pk).revoked_at is None
    assert client.get(f"/classes/ical/{key}.ics").status_code == 200


def test_school_scoped_class_never_reaches_another_schools_feed(network, visitor, client):
    """Leak: a 本校 class of the city is absent from a branch teacher's feed of the city school."""
    open_session(network.city, scope=SharingScope.SCHOOL, title="本校内部课")
    open_session(
        network.city,
        scope=SharingScope.SYSTEM,
        title="系统共享课",
        day=timezone.localdate() + timedelta(days=5),
    )
    _, key = services.create_calendar_token(by=visitor, kind="school", school=network.city)
    assert list(events(feed(client, key))) == ["系统共享课"]
    _, insider_key = services.create_calendar_token(
        by=member(network.city, is_teacher=True), kind="school", school=network.city
    )
    assert sorted(events(feed(client, insider_key))) == ["本校内部课", "系统共享课"]

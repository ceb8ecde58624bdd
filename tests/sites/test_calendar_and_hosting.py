"""Bookings on the network calendar and in the personal iCal feed (the booking list's visibility),
and field teaching of a hosted class booked through the booking flow."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import member

from yiwang.activity.models import AuditRecord, Notification
from yiwang.classes import services as class_services
from yiwang.classes.calendar_sources import calendar_entries
from yiwang.classes.models import Session
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.exchanges import selectors as hosting_selectors
from yiwang.exchanges.services import accept_request
from yiwang.exchanges.services import hosting as hosting_services
from yiwang.network.enums import SharingScope
from yiwang.sites import services
from yiwang.sites.enums import BookingStatus
from yiwang.sites.models import Booking

from .conftest import at


def _feed(client_for, user):
    _, key = class_services.create_calendar_token(by=user, kind="person")
    return client_for(user).get(f"/classes/ical/{key}.ics").content.decode()


def test_an_approved_booking_is_on_the_calendar_of_the_two_schools_only(
    network, site, book, booker, owner_staff, outsider, client_for
):
    start = at(3, 9)
    pending = book(site, start)
    day = timezone.localtime(start).date()
    assert calendar_entries(booker, day, day) == []  # pending: not yet on the calendar
    services.approve_booking(by=owner_staff, booking=pending)
    uid = f"booking-{pending.pk}"
    for viewer in (booker, owner_staff):
        entries = calendar_entries(viewer, day, day)
        assert [(e.uid, e.kind, e.title, e.place) for e in entries] == [
            (uid, "基地预约", "测试红色教育基地（远方 · 30 人）", "测试市某路 1 号")
        ]
        assert entries[0].url == f"/sites/bookings/{pending.pk}/"
    # the branch school sees the site (its system) but not another school's booking; nor a stranger
    branch = member(network.branch_a, is_training_staff=True)
    assert calendar_entries(branch, day, day) == []
    assert calendar_entries(outsider, day, day) == []
    page = client_for(booker).get("/classes/", {"view": "week", "date": day.isoformat()}).content.decode()
    assert f'data-entry="{uid}"' in page
    other = client_for(branch).get("/classes/", {"view": "week", "date": day.isoformat()}).content.decode()
    assert "booking-" not in other
    feed = _feed(client_for, booker)
    assert f"UID:{uid}@" in feed and "SUMMARY:基地预约：测试红色教育基地（远方 · 30 人）" in feed
    assert "booking-" not in _feed(client_for, branch)
    # a declined booking never comes onto the calendar
    declined = book(site, start + timedelta(hours=4), hours=1)
    services.decline_booking(by=owner_staff, booking=declined, note="当日已满")
    assert [e.uid for e in calendar_entries(booker, day, day)] == [uid]


def test_the_calendar_query_count_does_not_grow_with_bookings(
    site, book, owner_staff, booker, client_for, django_assert_max_num_queries
):
    start = at(3, 9)
    day = timezone.localtime(start).date()
    services.approve_booking(by=owner_staff, booking=book(site, start, hours=1))
    client = client_for(booker)
    params = {"view": "month", "date": day.isoformat()}
    client.get("/classes/", params)
    with CaptureQueriesContext(connection) as few:
        client.get("/classes/", params)
    for hour in (10, 12, 14):
        services.approve_booking(by=owner_staff, booking=book(site, start.replace(hour=hour), hours=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/classes/", params).content.decode()
    assert html.count('data-entry="booking-') == 4


@pytest.fixture
def hosting(network, booker, owner_staff):
    """远方 (guest) asks the city school (host) to host a class; the city school accepts."""
    start = timezone.localdate() + timedelta(days=10)
    hosting = hosting_services.open_hosting(
        by=booker,
        from_school=network.far,
        to_school=network.city,
        title="远方市青年干部培训班",
        start_date=start,
        end_date=start + timedelta(days=9),
        planned_trainees=40,
    )
    accept_request(by=owner_staff, request=hosting.request)
    hosting.refresh_from_db()
    return hosting


@pytest.fixture
def far_site(network):
    return services.create_site(
        by=None,
        school=network.far,
        name="远方乡村振兴示范村",
        address="远方市某镇",
        capacity=60,
        opens_at=time(8, 30),
        closes_at=time(17, 30),
        open_weekdays="12345",
        themes="rural",
        scope=SharingScope.NETWORK,
    )


def _field(hosting, site, start, by, hours=3, title="乡村振兴现场教学"):
    return services.book_field_session(
        by=by,
        hosting=hosting,
        site=site,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        title=title,
    )


def test_the_host_books_a_site_for_a_field_session_of_the_hosted_class(
    network, hosting, far_site, owner_staff, booker
):
    start = at(11, 9)
    booking, session = _field(hosting, far_site, start, owner_staff)
    assert (booking.status, booking.requesting_school, booking.owner_school) == (
        BookingStatus.PENDING,
        network.city,
        network.far,
    )
    assert (booking.group_size, booking.purpose) == (40, "远方市青年干部培训班：乡村振兴现场教学")
    assert session.training_class == hosting.training_class
    assert (session.title, session.form, session.place) == ("乡村振兴现场教学", "field", "远方乡村振兴示范村")
    assert (session.date, session.start_time, session.end_time) == (
        timezone.localtime(start).date(),
        time(9),
        time(12),
    )
    # the site's owner approves it like any booking
    approved = services.approve_booking(by=booker, booking=booking)
    assert approved.status == BookingStatus.APPROVED


def test_a_field_session_on_a_taken_slot_is_refused_and_nothing_is_added(
    network, hosting, far_site, owner_staff, booker
):
    start = at(11, 9)
    other = services.book_site(
        by=owner_staff,
        site=far_site,
        school=network.city,
        starts_at=start + timedelta(hours=1),
        ends_at=start + timedelta(hours=2),
        group_size=10,
        purpose="另一班次",
    )
    services.approve_booking(by=booker, booking=other)
    sessions, bookings = Session.objects.count(), Booking.objects.count()
    with pytest.raises(ConflictError) as exc:
        _field(hosting, far_site, start, owner_staff)
    assert exc.value.message.startswith("该时段已被预约（")
    assert (Session.objects.count(), Booking.objects.count()) == (sessions, bookings)


def test_field_session_input_and_permission_are_checked(network, hosting, far_site, owner_staff, booker):
    sessions, bookings = Session.objects.count(), Booking.objects.count()
    with pytest.raises(PermissionDeniedError):
        _field(hosting, far_site, at(11, 9), booker)  # the guest school does not build the class
    with pytest.raises(DomainError) as exc:
        _field(hosting, far_site, at(30, 9), owner_staff)
    assert exc.value.message.startswith("现场教学日期须在班次起止日期之内（")
    with pytest.raises(DomainError) as exc:
        _field(hosting, far_site, at(11, 7), owner_staff)  # before the site opens
    assert exc.value.message == "预约时间须在开放时间 08:30–17:30 之内。"
    with pytest.raises(DomainError) as exc:
        _field(hosting, far_site, at(11, 9), owner_staff, title=" ")
    assert exc.value.message == "请填写现场教学内容。"
    assert (Session.objects.count(), Booking.objects.count()) == (sessions, bookings)


def test_the_booking_form_offers_the_hosts_classes(network, hosting, far_site, owner_staff, client_for):
    client = client_for(owner_staff)
    page = client.get(f"/sites/{far_site.pk}/book/").content.decode()
    assert "用于承办班次的现场教学" in page and "远方市青年干部培训班（远方委托）" in page
    start = at(11, 9)
    response = client.post(
        f"/sites/{far_site.pk}/book/",
        {
            "school": network.city.pk,
            "day": timezone.localtime(start).date().isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "group_size": 40,
            "purpose": "红色基因传承现场教学",
            "hosting": hosting.pk,
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(training_class=hosting.training_class, title="红色基因传承现场教学")
    assert session.place == "远方乡村振兴示范村"
    assert Booking.objects.get(purpose="远方市青年干部培训班：红色基因传承现场教学").site == far_site


@pytest.mark.parametrize("how", ["declined", "withdrawn"])
def test_a_closed_field_booking_cancels_its_session_and_tells_the_host(
    network, hosting, far_site, owner_staff, booker, how, django_capture_on_commit_callbacks
):
    """The host (city) books 远方's site for its hosted class; 远方 declines it, or the host withdraws
    it: the 现场教学 session is cancelled in the same transaction and the host's staff are told."""
    host_runner = member(network.city, is_teaching_staff=True)
    booking, session = _field(hosting, far_site, at(11, 9), owner_staff)
    assert Booking.objects.get(pk=booking.pk).session == session
    with django_capture_on_commit_callbacks(execute=True):
        if how == "declined":
            services.decline_booking(by=booker, booking=booking, note="当日接待已满")
        else:
            services.withdraw_booking(by=owner_staff, booking=booking, note="行程调整")
    session.refresh_from_db()
    assert session.is_cancelled
    assert Booking.objects.get(pk=booking.pk).status == how
    why = "基地预约未获批准" if how == "declined" else "基地预约已撤回"
    cancelled = AuditRecord.objects.get(action="session.cancelled", object_id=str(session.pk))
    assert cancelled.after["reason"] == f"{why}（远方乡村振兴示范村）"
    title = "现场教学已取消：乡村振兴现场教学"
    notice = Notification.objects.get(recipient=host_runner, title=title)
    assert notice.url == f"/exchanges/hosted/{hosting.pk}/"
    # the host's staff who withdrew it are not told of their own act; 远方 (the site) is not told
    assert Notification.objects.filter(recipient=owner_staff, title=title).count() == (
        1 if how == "declined" else 0
    )
    assert not Notification.objects.filter(recipient=booker, title=title).exists()
    # the session stays in the plan the guest school follows, shown as cancelled
    assert [(s.pk, s.is_cancelled) for s in hosting_selectors.hosted_plan(hosting)] == [(session.pk, True)]


def test_a_booking_whose_session_was_deleted_closes_as_usual(hosting, far_site, owner_staff, booker):
    booking, session = _field(hosting, far_site, at(11, 9), owner_staff)
    class_services.delete_session(by=owner_staff, session=session)  # a draft class: the host may
    services.decline_booking(by=booker, booking=booking, note="当日接待已满")
    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.status, booking.session) == (BookingStatus.DECLINED, None)


def test_an_approved_field_booking_keeps_its_session(hosting, far_site, owner_staff, booker):
    booking, session = _field(hosting, far_site, at(11, 9), owner_staff)
    services.approve_booking(by=booker, booking=booking)
    session.refresh_from_db()
    assert not session.is_cancelled

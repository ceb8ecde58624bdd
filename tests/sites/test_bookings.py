"""Booking a field site through the request flow: refusals (each changes nothing), approval,
overlaps, decline / withdraw / complete, evaluation."""

from datetime import timedelta

import pytest
from tests.sites.conftest import at

from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request
from yiwang.sites import services
from yiwang.sites.enums import BookingStatus
from yiwang.sites.models import Booking, VisitEvaluation

pytestmark = pytest.mark.django_db


def test_booking_opens_a_submitted_site_request(site, book, network):
    booking = book(site, at(7, 9))
    assert booking.status == BookingStatus.PENDING
    request = booking.request
    assert (request.kind, request.status) == (RequestKind.SITE_BOOKING, RequestStatus.SUBMITTED)
    assert (request.from_school, request.to_school) == (network.far, network.city)
    assert request.title.startswith("预约测试红色教育基地：")


def test_owner_approves_and_the_slot_is_held(site, book, owner_staff):
    booking = book(site, at(7, 9))
    approved = services.approve_booking(by=owner_staff, booking=booking, note="欢迎")
    assert approved.status == BookingStatus.APPROVED
    assert approved.request.status == RequestStatus.ACCEPTED


@pytest.mark.parametrize(
    ("start_hour", "hours", "size", "message"),
    [
        (9, 2, 51, "参访人数 51 人超过该基地一次最多接待 50 人，请分批预约。"),
        (8, 2, 10, "预约时间须在开放时间 09:00–17:00 之内。"),
        (16, 2, 10, "预约时间须在开放时间 09:00–17:00 之内。"),
        (9, 0, 10, "结束时间须晚于开始时间。"),
    ],
)
def test_bad_bookings_are_refused_and_change_nothing(site, book, start_hour, hours, size, message):
    with pytest.raises(DomainError) as exc:
        book(site, at(7, start_hour), hours=hours, size=size)
    assert exc.value.message == message
    assert Booking.objects.count() == 0
    assert Request.objects.count() == 0


def test_booking_in_a_blackout_is_refused(site, book, owner_staff):
    day = at(7, 9).date()
    services.add_blackout(by=owner_staff, site=site, start_date=day, end_date=day, reason="馆内检修")
    with pytest.raises(DomainError) as exc:
        book(site, at(7, 9))
    assert exc.value.message == f"{day:%Y-%m-%d}在不开放期间（{day:%m-%d}至{day:%m-%d}：馆内检修）。"
    assert Booking.objects.count() == 0


def test_booking_on_a_closed_weekday_is_refused(site, book):
    start = at(7, 9)
    while start.isoweekday() != 6:
        start += timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        book(site, start)
    assert exc.value.message == f"{start:%Y-%m-%d}基地不开放（开放日：周一、周二、周三、周四、周五）。"


def test_booking_in_the_past_is_refused(site, book):
    with pytest.raises(DomainError) as exc:
        book(site, at(-7, 9))
    assert exc.value.message == "不能预约已经过去的时间。"


def test_overlapping_booking_of_an_approved_slot_is_refused(site, book, owner_staff, network):
    services.approve_booking(by=owner_staff, booking=book(site, at(7, 9)))
    with pytest.raises(ConflictError) as exc:
        book(site, at(7, 10))
    assert exc.value.message.startswith("该时段已被预约（")
    assert Booking.objects.count() == 1


def test_second_approval_of_overlapping_pending_bookings_is_refused(site, book, owner_staff, network):
    first = book(site, at(7, 9))
    second = book(site, at(7, 10), hours=2)
    services.approve_booking(by=owner_staff, booking=first)
    with pytest.raises(ConflictError) as exc:
        services.approve_booking(by=owner_staff, booking=second)
    assert exc.value.message.startswith("该时段与已批准的预约（")
    second.refresh_from_db()
    second.request.refresh_from_db()
    assert (second.status, second.request.status) == (BookingStatus.PENDING, RequestStatus.SUBMITTED)


def test_adjacent_bookings_are_both_approved(site, book, owner_staff):
    first = book(site, at(7, 9), hours=2)
    second = book(site, at(7, 11), hours=2)
    services.approve_booking(by=owner_staff, booking=first)
    assert services.approve_booking(by=owner_staff, booking=second).status == BookingStatus.APPROVED


def test_only_the_owner_school_answers(site, book, booker, outsider):
    booking = book(site, at(7, 9))
    for who in (booker, outsider):
        with pytest.raises(PermissionDeniedError):
            services.approve_booking(by=who, booking=booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_decline_needs_a_reason_and_closes_the_booking(site, book, owner_staff):
    booking = book(site, at(7, 9))
    with pytest.raises(DomainError) as exc:
        services.decline_booking(by=owner_staff, booking=booking, note=" ")
    assert exc.value.message == "请填写拒绝理由。"
    declined = services.decline_booking(by=owner_staff, booking=booking, note="当天已有接待任务")
    assert declined.status == BookingStatus.DECLINED


def test_withdraw_by_the_booking_school_only_while_pending(site, book, booker, owner_staff):
    booking = book(site, at(7, 9))
    assert services.withdraw_booking(by=booker, booking=booking).status == BookingStatus.WITHDRAWN
    other = book(site, at(8, 9))
    services.approve_booking(by=owner_staff, booking=other)
    with pytest.raises(ConflictError) as exc:
        services.withdraw_booking(by=booker, booking=other)
    assert exc.value.message == "该请求当前为“已接受”，不能改为“已撤回”。"


def test_own_site_needs_no_booking(site, owner_staff, network, book):
    with pytest.raises(DomainError) as exc:
        book(site, at(7, 9), by=owner_staff, school=network.city)
    assert exc.value.message == "这是本校的基地，无需跨校预约。"


def test_a_school_that_cannot_see_the_site_cannot_book_it(site, book, outsider, network):
    with pytest.raises(NotFoundError):
        book(site, at(7, 9), by=outsider, school=network.stranger)
    assert Booking.objects.count() == 0


def test_over_capacity_at_approval_after_the_site_shrank(site, book, owner_staff):
    booking = book(site, at(7, 9), size=40)
    services.update_site(by=owner_staff, site=site, capacity=30)
    with pytest.raises(DomainError) as exc:
        services.approve_booking(by=owner_staff, booking=booking)
    assert exc.value.message == "参访人数 40 人超过该基地一次最多接待 30 人，请分批预约。"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_visit_evaluation_after_the_visit_once(site, book, owner_staff, booker):
    booking = book(site, at(7, 9))
    services.approve_booking(by=owner_staff, booking=booking)
    with pytest.raises(DomainError) as exc:
        services.evaluate_visit(by=booker, booking=booking, content=5, guiding=5, arrangements=5)
    assert exc.value.message == "参访结束后才能评价。"
    Booking.objects.filter(pk=booking.pk).update(starts_at=at(-3, 9), ends_at=at(-3, 11))
    booking.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.evaluate_visit(by=owner_staff, booking=booking, content=5, guiding=5, arrangements=5)
    with pytest.raises(DomainError) as exc:
        services.evaluate_visit(by=booker, booking=booking, content=6, guiding=5, arrangements=5)
    assert exc.value.message == "教学内容评分应为 1 到 5 分。"
    evaluation = services.evaluate_visit(by=booker, booking=booking, content=5, guiding=4, arrangements=3)
    assert evaluation.average == 4.0
    with pytest.raises(ConflictError):
        services.evaluate_visit(by=booker, booking=booking, content=5, guiding=4, arrangements=3)
    assert VisitEvaluation.objects.count() == 1
    completed = services.complete_booking(by=booker, booking=booking)
    assert completed.status == BookingStatus.COMPLETED


def test_site_form_refusals(network, owner_staff):
    from datetime import time

    with pytest.raises(DomainError) as exc:
        services.create_site(
            by=owner_staff,
            school=network.city,
            name="甲",
            address="乙",
            capacity=0,
            opens_at=time(9),
            closes_at=time(17),
        )
    assert exc.value.message == "接待人数应在 1 到 5000 之间。"
    with pytest.raises(DomainError) as exc:
        services.create_site(
            by=owner_staff,
            school=network.city,
            name="甲",
            address="乙",
            capacity=10,
            opens_at=time(17),
            closes_at=time(9),
        )
    assert exc.value.message == "闭馆时间须晚于开放时间。"
    with pytest.raises(DomainError) as exc:
        services.create_site(
            by=owner_staff,
            school=network.city,
            name="甲",
            address="乙",
            capacity=10,
            opens_at=time(9),
            closes_at=time(17),
            operator_kind="agency",
        )
    assert exc.value.message == "由合作单位管理的基地请填写合作单位名称。"
    with pytest.raises(DomainError) as exc:
        services.create_site(
            by=owner_staff,
            school=network.city,
            name="甲",
            address="乙",
            capacity=10,
            opens_at=time(9),
            closes_at=time(17),
            latitude="95",
        )
    assert exc.value.message == "纬度应在 -90 到 90 之间。"
    with pytest.raises(DomainError) as exc:
        services.create_site(
            by=owner_staff,
            school=network.city,
            name="甲",
            address="乙",
            capacity=10,
            opens_at=time(9),
            closes_at=time(17),
            themes="magic",
        )
    assert exc.value.message.startswith("未知的教学主题“magic”")
    from yiwang.sites.models import FieldSite

    assert FieldSite.objects.count() == 0

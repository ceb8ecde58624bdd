"""Site pages, API, exports, calendar and iCal: what each school sees (booking details only for
the two schools involved), query-count guards on the site list."""

import io
from datetime import time, timedelta

import pytest
from openpyxl import load_workbook
from tests.factories import member
from tests.sites.conftest import at

from yiwang.accounts.services import create_api_token
from yiwang.network.enums import SharingScope
from yiwang.sites import services
from yiwang.sites.models import Booking

pytestmark = pytest.mark.django_db


def _sheet(response):
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_site_list_shows_visible_sites_only(client_for, site, network, booker, outsider):
    services.create_site(
        by=None,
        school=network.city,
        name="本校内部基地",
        address="内部",
        capacity=10,
        opens_at=time(9),
        closes_at=time(17),
        scope=SharingScope.SCHOOL,
    )
    page = client_for(booker).get("/sites/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "测试红色教育基地" in text and "本校内部基地" not in text
    assert "测试红色教育基地" not in client_for(outsider).get("/sites/").content.decode()
    assert client_for(outsider).get(f"/sites/{site.pk}/").status_code == 404


def test_site_list_query_count_is_constant(client_for, network, booker, django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            services.create_site(
                by=None,
                school=network.city,
                name=f"基地{i:03d}",
                address="某地",
                capacity=10,
                opens_at=time(9),
                closes_at=time(17),
                scope=SharingScope.NETWORK,
            )

    add(3, 0)
    client = client_for(booker)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/sites/").status_code == 200
    add(60, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/sites/").status_code == 200


def test_booking_details_only_for_the_two_schools(
    client_for, site, book, network, booker, owner_staff, outsider
):
    booking = book(site, at(7, 9))
    services.approve_booking(by=owner_staff, booking=booking)
    alliance_staff = member(network.far, is_teaching_staff=True)  # same school as the booker: involved
    third = member(network.branch_a, is_training_staff=True)  # sees the site (its system), not the booking
    for user, status in (
        (booker, 200),
        (owner_staff, 200),
        (alliance_staff, 200),
        (third, 404),
        (outsider, 404),
    ):
        assert client_for(user).get(f"/sites/bookings/{booking.pk}/").status_code == status
    # the calendar: busy time for everyone who sees the site; the school and purpose only for those involved
    day = at(7, 9).date().isoformat()
    text = client_for(third).get(f"/sites/{site.pk}/calendar/?view=week&day={day}").content.decode()
    assert "已被预约" in text and "远方" not in text
    text = client_for(owner_staff).get(f"/sites/{site.pk}/calendar/?view=day&day={day}").content.decode()
    assert "远方 · 30 人 · 已批准" in text
    # the booking list and its export
    assert "中青班现场教学" not in client_for(third).get("/sites/bookings/").content.decode()
    rows = _sheet(client_for(third).get("/sites/bookings/export/"))
    assert rows == [["基地", "基地所属学校", "预约学校", "开始", "结束", "人数", "班次或用途", "状态"]]
    rows = _sheet(client_for(owner_staff).get("/sites/bookings/export/"))
    assert rows[1][:3] == ["测试红色教育基地", "中共测试市委党校", "中共远方市委党校"]


def test_api_lists_and_bookings_leak_nothing(client, site, book, owner_staff, outsider, booker, network):
    booking = book(site, at(7, 9))
    _, key = create_api_token(user=outsider, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/sites/sites", **headers).json()["count"] == 0
    assert client.get(f"/api/v1/sites/sites/{site.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/sites/bookings/{booking.pk}", **headers).status_code == 404
    assert client.get("/api/v1/sites/bookings", **headers).json()["count"] == 0
    _, owner_key = create_api_token(user=owner_staff, name="t")
    answer = client.post(
        f"/api/v1/sites/bookings/{booking.pk}/approve",
        data={"note": ""},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {owner_key}",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "approved"


def test_api_booking_refusal_is_a_chinese_error(client, site, booker, network):
    _, key = create_api_token(user=booker, name="t")
    start = at(7, 9)
    answer = client.post(
        f"/api/v1/sites/sites/{site.pk}/bookings",
        data={
            "school": "far",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "group_size": 500,
            "purpose": "中青班",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "参访人数 500 人超过该基地一次最多接待 50 人，请分批预约。"
    assert Booking.objects.count() == 0


def test_booking_through_the_page_then_approve(client_for, site, network, booker, owner_staff):
    start = at(7, 9)
    page = client_for(booker).post(
        f"/sites/{site.pk}/book/",
        {
            "school": str(network.far.pk),
            "day": start.date().isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "group_size": "20",
            "purpose": "主体班",
            "note": "",
        },
    )
    assert page.status_code == 302
    booking = Booking.objects.get()
    client_for(owner_staff).post(f"/sites/bookings/{booking.pk}/approve/", {"note": "欢迎"})
    booking.refresh_from_db()
    assert booking.status == "approved"


def test_booking_page_shows_the_refusal_on_the_form(client_for, site, network, booker):
    start = at(7, 9)
    page = client_for(booker).post(
        f"/sites/{site.pk}/book/",
        {
            "school": str(network.far.pk),
            "day": start.date().isoformat(),
            "start_time": "07:00",
            "end_time": "08:00",
            "group_size": "20",
            "purpose": "主体班",
        },
    )
    assert page.status_code == 400
    assert "预约时间须在开放时间 09:00–17:00 之内。" in page.content.decode()
    assert Booking.objects.count() == 0


def test_ical_feed_carries_busy_slots_and_stops_when_revoked(
    client_for, client, site, book, owner_staff, network
):
    third = member(network.branch_a, is_training_staff=True)
    services.approve_booking(by=owner_staff, booking=book(site, at(7, 9)))
    token, key = services.create_feed_token(by=third, site=site)
    body = client.get(f"/sites/feed/{key}.ics").content.decode()
    assert "BEGIN:VEVENT" in body and "已被预约" in body and "远方" not in body
    services.revoke_feed_token(by=third, token_id=token.pk)
    assert client.get(f"/sites/feed/{key}.ics").status_code == 404


def test_photo_upload_checked_and_served_only_to_viewers(client_for, site, owner_staff, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(buffer, format="PNG")
    with pytest.raises(Exception) as exc:
        services.upload_photo(by=owner_staff, site=site, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    assert exc.value.message == "照片只能是 JPG 或 PNG 格式。"
    photo = services.upload_photo(
        by=owner_staff, site=site, file=SimpleUploadedFile("a.png", buffer.getvalue())
    )
    assert client_for(owner_staff).get(f"/sites/{site.pk}/photos/{photo.pk}/")["Content-Type"] == "image/png"
    assert client_for(outsider).get(f"/sites/{site.pk}/photos/{photo.pk}/").status_code == 404


def test_site_export_is_the_visible_list(client_for, site, booker, outsider):
    rows = _sheet(client_for(booker).get("/sites/export/"))
    assert rows[1][:2] == ["测试红色教育基地", "中共测试市委党校"]
    assert len(_sheet(client_for(outsider).get("/sites/export/"))) == 1


def test_counts_follow_visibility(site, book, owner_staff, outsider, booker):
    from yiwang.sites.selectors import bookings_counts, sites_counts

    book(site, at(7, 9))
    assert bookings_counts(booker)["by_status"]["pending"] == 1
    assert bookings_counts(outsider)["total"] == 0
    assert sites_counts(booker) == {"total": 1, "active": 1}
    assert sites_counts(outsider) == {"total": 0, "active": 0}

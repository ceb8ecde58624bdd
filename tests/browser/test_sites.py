"""基地共用 in a real browser: a 川滇黔 school (威信) finds another member's site (叙永's 鸡鸣三省),
books a visit through the request flow, and the owner school approves it; the slot then shows as
taken on the site's calendar."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from tests.browser.chuan_dian_qian import alliance_of, training_staff
from tests.browser.conftest import screenshot, sign_in

from yiwang.network.enums import SharingScope
from yiwang.sites import services
from yiwang.sites.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alliance_sites():
    alliance, (xuyong, weixin) = alliance_of("lz-xuyong", "weixin")
    training_staff(xuyong, "lz-xuyong-staff", "罗文山")
    training_staff(weixin, "weixin-staff", "杨春华")
    site = services.create_site(
        by=None,
        school=xuyong,
        name="鸡鸣三省红色教育基地",
        address="四川省泸州市叙永县水潦彝族乡",
        capacity=100,
        opens_at=time(8, 30),
        closes_at=time(17, 30),
        themes="red,spirit",
        operator_kind="agency",
        operator_name="叙永县水潦彝族乡人民政府",
        scope=SharingScope.PARTNERS,
        alliances=[alliance],
    )
    return site


def test_a_member_books_another_members_site_and_the_owner_approves(
    browser, page, live_server, alliance_sites
):
    site = alliance_sites
    day = timezone.localdate() + timedelta(days=10)

    sign_in(page, "weixin-staff")
    page.goto(page.base_url + "/sites/")
    page.click("text=鸡鸣三省红色教育基地")
    page.wait_for_selector("h1:has-text('鸡鸣三省红色教育基地')")
    screenshot(page, "sites-detail")
    page.click("#book-link")
    page.fill("#id_day", day.isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "12:00")
    page.fill("#id_group_size", "150")
    page.fill("#id_purpose", "2026年秋季中青班现场教学")
    page.click("#booking-form button[type=submit]")
    page.wait_for_selector("text=参访人数 150 人超过该基地一次最多接待 100 人，请分批预约。")
    assert Booking.objects.count() == 0
    page.fill("#id_group_size", "45")
    screenshot(page, "sites-booking-form")
    page.click("#booking-form button[type=submit]")
    page.wait_for_selector("#booking-status:has-text('待审批')")
    booking = Booking.objects.get()
    assert (booking.requesting_school.code, booking.group_size) == ("weixin", 45)

    owner_context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    owner = owner_context.new_page()
    owner.set_default_timeout(15000)
    owner.base_url = live_server.url
    sign_in(owner, "lz-xuyong-staff")
    owner.goto(owner.base_url + "/sites/bookings/?role=received")
    owner.click(f"a[href='/sites/bookings/{booking.pk}/']")
    owner.fill("#id_note", "欢迎，届时安排讲解员。")
    owner.click("#approve-btn")
    owner.wait_for_selector("#booking-status:has-text('已批准')")
    screenshot(owner, "sites-approved")
    booking.refresh_from_db()
    assert booking.status == "approved"

    page.goto(page.base_url + f"/sites/{site.pk}/calendar/?view=week&day={day.isoformat()}")
    cell = page.locator(f"[data-date='{day.isoformat()}']")
    assert "威信 · 45 人 · 已批准" in cell.inner_text()
    screenshot(page, "sites-calendar")
    owner_context.close()
    start = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
    assert booking.starts_at == start

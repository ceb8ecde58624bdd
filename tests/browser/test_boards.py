"""A leader opens the board, drills from a number to the records behind it, and downloads the
annual report (issue 16)."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.classes import open_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leader():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    day = timezone.localdate() - timedelta(days=1)
    open_session(gz, day=day, title="超大城市基层治理现代化")
    open_session(gz, day=day, title="粤港澳大湾区建设的广州实践")
    user = UserFactory(username="gz-leader", full_name="周建国")
    MembershipFactory(user=user, school=gz, is_school_admin=True, is_teaching_staff=True)
    return user


def test_leader_board_drill_down_and_annual_report(page, leader):
    sign_in(page, "gz-leader")
    page.goto(page.base_url + "/dashboards/boards/")
    page.click("#board-list a:has-text('中共广州市委党校')")
    page.wait_for_selector("h1:has-text('中共广州市委党校统计看板')")
    page.wait_for_selector("#trend-chart canvas")
    value = page.inner_text("tr[data-indicator='open_sessions'] a.indicator-value")
    assert value == "2"
    screenshot(page, "board-school")
    page.click("tr[data-indicator='open_sessions'] a.indicator-value")
    page.wait_for_selector("#drill-table")
    assert page.inner_text("#drill-value") == "2"
    assert page.locator("#drill-table tbody tr").count() == 2
    assert page.locator("#drill-table:has-text('超大城市基层治理现代化')").count() == 1
    screenshot(page, "board-drill")

    page.goto(page.base_url + "/dashboards/reports/")
    page.select_option("#id_scope", "school:gz")
    page.fill("#id_year", str(timezone.localdate().year))
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#download-pdf", timeout=60_000)
    screenshot(page, "annual-report")
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert f"中共广州市委党校{timezone.localdate().year}年度合作交流报告" in text
    assert "开放课堂场次" in text and "超大城市基层治理现代化" in text


def test_board_on_a_phone_scrolls_tables(phone_page, leader):
    sign_in(phone_page, "gz-leader")
    phone_page.goto(phone_page.base_url + "/dashboards/boards/school/gz/")
    phone_page.wait_for_selector("#trend-chart canvas")
    overflow = phone_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert overflow, "the page itself must not scroll sideways on a phone; tables scroll in their wrapper"

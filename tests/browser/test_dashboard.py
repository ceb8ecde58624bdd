"""The dashboard page in a real browser (issue 10 part 1, issue 17 weight)."""

import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.faculty import TeacherFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leader():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    for school, n in ((gz, 3), (panyu, 2)):
        for _ in range(n):
            TeacherFactory(owner_school=school)
    user = UserFactory(username="gz-leader", full_name="周建国")
    MembershipFactory(user=user, school=gz, is_teaching_staff=True)
    return user


def test_dashboard_page_structure_header_first_one_h1_plain_title(page, leader):
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    sign_in(page, "gz-leader")
    page.wait_for_selector("h1:has-text('欢迎')")
    scripts.clear()
    page.goto(page.base_url + "/dashboards/")
    page.wait_for_selector("#school-chart canvas")
    assert page.title() == "数据概览 · 一网 党校资源共享平台"
    # The site header comes first in the body (after the skip link), the ranking inside <main>.
    first = page.evaluate(
        "() => [...document.body.children].filter((e) => e.tagName !== 'SCRIPT').map((e) => e.tagName + '.' + e.className).slice(0, 2)"
    )
    assert first == ["A.skip-link", "HEADER.site-header"]
    assert page.locator("h1").count() == 1
    assert page.inner_text("main h1") == "数据概览"
    assert page.eval_on_selector_all("body > section, header section", "els => els.length") == 0
    assert page.locator("main h2:has-text('领导批示排行（已核实）')").count() == 1
    assert page.eval_on_selector_all("main .card.stat h2", "els => els.map((h) => h.innerText)")[:1] != []
    totals = page.eval_on_selector_all(
        "main .card.stat",
        "els => els.map((c) => [c.querySelector('h2').innerText, c.querySelector('.stat-number').innerText])",
    )
    assert ["师资", "5"] in totals or any(label.startswith("师资") and n == "5" for label, n in totals)
    # Only the ECharts parts the charts use, not the full bundle.
    assert [u for u in scripts if "echarts" in u] == [
        page.base_url + "/static/vendor/echarts-dashboard/echarts-dashboard.min.js"
    ]
    screenshot(page, "dashboard")

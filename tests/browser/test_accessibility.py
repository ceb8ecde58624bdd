"""GB/T 37668-2019 / WCAG 2.1 AA in a real browser (issue 17). axe runs on every page by the
conftest gate; these tests cover what axe cannot see: focus, errors, headings, phone layout."""

import re

import pytest
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.factories.faculty import TeacherFactory

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = "() => { const e = document.activeElement; return e.id || e.className || e.tagName; }"
FOCUSED_TEXT = (
    "() => (document.activeElement.innerText || document.activeElement.value || '').replace(/\\s+/g, '')"
)


@pytest.fixture
def staff():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    user = UserFactory(username="gz-panyu-staff", full_name="梁晓红")
    MembershipFactory(user=user, school=panyu, is_teaching_staff=True, is_teacher=True)
    teacher = TeacherFactory(
        owner_school=panyu,
        name="陈立新",
        expertise="习近平新时代中国特色社会主义思想研究、基层治理现代化与乡村振兴战略实施路径研究",
        email="chen.lixin.very.long.address.for.testing@panyu-party-school.example.com",
    )
    return teacher


def signed_in(page):
    sign_in(page, "gz-panyu-staff")
    page.wait_for_selector("h1:has-text('欢迎')")


def test_axe_gate_checks_every_page_loaded(page, staff, axe_gate):
    # A page the test leaves while its check runs is checked at its next load; so that the sign-in
    # page's own check cannot be cut short by signing in on a loaded machine, the test lets the
    # gate finish it first.
    page.goto(page.base_url + "/accounts/login/")
    page.wait_for_selector("#id_username")
    axe_gate.flush()
    signed_in(page)
    page.goto(page.base_url + f"/faculty/{staff.pk}/")
    page.wait_for_selector("h1:has-text('陈立新')")
    axe_gate.flush()
    paths = [re.sub(r"^https?://[^/]+", "", url) for url, _ in axe_gate.checked]
    assert "/accounts/login/" in paths
    assert f"/faculty/{staff.pk}/" in paths
    assert {width for _, width in axe_gate.checked} == {1280}


def test_skip_link_is_the_first_focusable_element(page, staff):
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(page.base_url + "/accounts/login/")
        # The sign-in page puts focus in 用户名; before it come only the skip link and the header.
        assert page.evaluate(FOCUSED) == "id_username"
        for _ in range(3):
            page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUSED) == "skip-link"
        assert page.evaluate(FOCUSED_TEXT) == "跳到主要内容"
        page.keyboard.press("Enter")
        assert page.evaluate(FOCUSED) == "main"
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED) == "id_username"
    # A page without autofocus: the very first Tab reaches the skip link.
    signed_in(page)
    page.goto(page.base_url + "/faculty/")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "skip-link"


def test_described_by_points_at_existing_error_and_help(page, staff):
    signed_in(page)
    page.goto(page.base_url + "/faculty/new/")
    page.wait_for_selector("#teacher-form")
    page.click("#teacher-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap((el) =>
             el.getAttribute('aria-describedby').split(/\\s+/).filter((id) => !document.getElementById(id))
               .map((id) => el.name + '→' + id))"""
    )
    assert dangling == []
    assert page.get_attribute("#id_name", "aria-describedby") == "id_name_error"
    assert page.inner_text("#id_name_error") == "这个字段是必填项。"
    assert page.get_attribute("#id_name", "aria-invalid") == "true"
    assert page.inner_text("#id_expertise_helptext") == "多个专长以顿号分隔"
    assert "id_expertise_helptext" in page.get_attribute("#id_expertise", "aria-describedby")


def test_failed_submit_focuses_error_summary_linking_each_field(page, staff):
    signed_in(page)
    page.goto(page.base_url + "/faculty/new/")
    page.click("#teacher-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert page.evaluate(FOCUSED) == "error-summary"
    links = page.eval_on_selector_all(
        "#error-summary a", "els => els.map((a) => [a.getAttribute('href'), a.innerText])"
    )
    assert links == [["#id_name", "姓名：这个字段是必填项。"]]
    # One summary, no pile of separate alerts.
    assert page.locator("[role=alert]").count() == 0
    page.click("#error-summary a")
    assert page.evaluate(FOCUSED) == "id_name"


def test_required_fields_marked_and_one_validation_behaviour(page, staff):
    signed_in(page)
    page.goto(page.base_url + "/faculty/new/")
    page.wait_for_selector("#teacher-form")
    unmarked = page.evaluate(
        """() => [...document.querySelectorAll('.field')].filter((f) => f.querySelector(':scope > label .req, :scope > legend .req'))
             .flatMap((f) => [...f.querySelectorAll('input, select, textarea')])
             .filter((c) => !c.required && c.getAttribute('aria-required') !== 'true' && !c.closest('[aria-required=true]'))
             .map((c) => c.name)"""
    )
    assert unmarked == []
    assert page.get_attribute("#id_title", "aria-required") == "true"
    assert page.get_attribute("#id_scope", "aria-required") == "true"
    # The app's Chinese messages everywhere: no form is left to the browser's pop-ups.
    assert page.evaluate("() => [...document.forms].filter((f) => !f.noValidate).length") == 0


def test_headings_never_skip_a_level(page, staff):
    signed_in(page)
    for path in ("/", "/dashboards/", "/classes/?view=week", f"/faculty/{staff.pk}/", "/faculty/"):
        page.goto(page.base_url + path)
        levels = page.eval_on_selector_all(
            "main h1, main h2, main h3, main h4", "els => els.map((h) => +h.tagName[1])"
        )
        assert levels[0] == 1, path
        assert levels.count(1) == 1, path
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert jumps == [], path
        numeric = page.eval_on_selector_all("main h2", "els => els.map((h) => h.innerText.trim())")
        assert [t for t in numeric if re.fullmatch(r"[\d,.]+\+?", t)] == [], path


def test_phone_menu_drops_down_and_escape_closes_it(phone_page, staff):
    page = phone_page
    signed_in(page)
    closed = page.eval_on_selector("header.site-header", "h => h.getBoundingClientRect().height")
    page.click("details.menu > summary")
    assert page.is_visible("nav.main-nav")
    opened = page.eval_on_selector("header.site-header", "h => h.getBoundingClientRect().height")
    assert opened == closed
    assert closed < 120
    page.keyboard.press("Escape")
    assert not page.is_visible("nav.main-nav")
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"


def test_faculty_detail_does_not_scroll_sideways_at_320px(page, staff):
    signed_in(page)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(page.base_url + f"/faculty/{staff.pk}/")
    page.wait_for_selector("#teacher-props")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_own_focus_ring_visible_on_header_and_controls(page, staff):
    signed_in(page)
    page.goto(page.base_url + "/faculty/new/")
    page.focus(".site-header a.brand")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    header = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert header == ["solid", "3px", "rgb(255, 255, 255)"]
    for selector in ("#id_name", "#id_title", "#teacher-form button[type=submit]"):
        page.focus(selector)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style == ["solid", "3px"], selector


def test_keyboard_only_sign_in_list_detail_form_error_and_fix(page, staff):
    page.goto(page.base_url + "/accounts/login/")
    assert page.evaluate(FOCUSED) == "id_username"
    order = []
    for key in ["Shift+Tab"] * 3 + ["Tab"] * 5:
        page.keyboard.press(key)
        order.append(page.evaluate(FOCUSED_TEXT) or page.evaluate(FOCUSED))
    assert order == [
        "登录",
        "一网党校资源共享平台",
        "跳到主要内容",
        "一网党校资源共享平台",
        "登录",
        "id_username",
        "id_password",
        "登录",
    ]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("gz-panyu-staff")
    page.keyboard.press("Tab")
    page.keyboard.type("Yiwang@2026")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('欢迎')")

    def tab_to(predicate_js, limit=60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate_js):
                return
        raise AssertionError("键盘无法到达目标：" + predicate_js)

    # Home → skip the navigation → the 师资库 link in the first card.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "skip-link"
    page.keyboard.press("Enter")
    tab_to("() => document.activeElement.matches('main a.card')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('师资库')")
    # List → the teacher.
    tab_to(f"() => (document.activeElement.getAttribute('href') || '').endsWith('/faculty/{staff.pk}/')")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('陈立新')")
    # Detail → 编辑.
    tab_to("() => document.activeElement.innerText === '编辑'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#teacher-form")
    tab_to("() => document.activeElement.id === 'id_name'")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.evaluate(FOCUSED) == "error-summary"
    assert page.inner_text("#error-summary h2") == "提交未成功，请修改以下问题："
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_TEXT) == "姓名：这个字段是必填项。"
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "id_name"
    page.keyboard.type("陈立新（修订）")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('陈立新（修订）')")
    assert f"/faculty/{staff.pk}/" in page.url


def test_axe_gate_catches_a_serious_violation(page, staff, axe_gate):
    """Negative control: a page with an image without text and an unlabeled field is caught."""
    page.route(
        page.base_url + "/axe-negative-control/",
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body='<!DOCTYPE html><html lang="zh-Hans"><head><title>对照</title></head>'
            '<body><main><h1>对照</h1><img src="data:,"><input type="text"></main></body></html>',
        ),
    )
    page.goto(page.base_url + "/axe-negative-control/")
    axe_gate.flush()
    found = sorted({f.split("] ")[1].split(" ")[0] for f in axe_gate.findings})
    assert found == ["image-alt", "label"]
    axe_gate.findings.clear()  # expected here; any other test fails on them


def test_month_calendar_on_a_phone_keeps_column_headers_and_full_titles(phone_page, staff):
    from django.utils import timezone
    from tests.factories.classes import open_session

    long_title = "学习贯彻党的二十届四中全会精神与推进基层治理现代化专题研讨"
    open_session(staff.owner_school, day=timezone.localdate().replace(day=15), title=long_title)
    page = phone_page
    signed_in(page)
    page.goto(page.base_url + "/classes/?view=month")
    page.wait_for_selector("table.cal-month")
    snapshot = page.locator("table.cal-month").aria_snapshot()
    assert [f'columnheader "周{w}"' in snapshot for w in "一二三四五六日"] == [True] * 7
    item = page.locator(f".cal-month .cal-item:has-text('{long_title}')")
    assert item.evaluate("a => a.scrollWidth <= a.clientWidth")
    assert long_title in item.inner_text()

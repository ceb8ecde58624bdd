"""Foundation in a real browser: sign-in, Chinese home page, lockout, phone width."""

import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def panyu_teacher():
    gz = SchoolFactory(code="gz", name="中共广州市委党校", short_name="广州")
    panyu = SchoolFactory(
        code="gz-panyu", name="中共广州市番禺区委党校", short_name="番禺", parent=gz, level="county"
    )
    user = UserFactory(username="gz-panyu-t1", full_name="林晓东")
    MembershipFactory(user=user, school=panyu, is_teacher=True)
    return user


def test_district_teacher_signs_in_and_sees_chinese_home(page, panyu_teacher):
    page.goto(page.base_url + "/")
    assert page.url.endswith("/accounts/login/?next=/") or "/accounts/login/" in page.url
    screenshot(page, "login")
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎，林晓东')")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "中共广州市番禺区委党校" in page.inner_text(".my-schools")
    nav = page.inner_text("nav.main-nav")
    for part in ("共享资源", "交流协作"):
        assert part in nav
    screenshot(page, "home")
    page.click("nav.main-nav >> text=学校网络")
    page.wait_for_selector("h1:has-text('学校网络')")
    assert "中共广州市番禺区委党校" in page.content() or "番禺" in page.content()
    screenshot(page, "network-overview")


def test_five_wrong_passwords_lock_the_account(page, panyu_teacher):
    refused = "用户名或密码错误，或尝试次数过多已被暂时锁定。请稍后再试，或联系安全管理员。"
    for _ in range(5):
        sign_in(page, "gz-panyu-t1", "wrong-password")
        assert page.inner_text("#login-error") == refused
    # Even the right password is refused while locked, with the same message (no enumeration).
    sign_in(page, "gz-panyu-t1")
    assert page.inner_text("#login-error") == refused
    screenshot(page, "login-locked")


def test_home_usable_at_phone_width(phone_page, panyu_teacher):
    page = phone_page
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎')")
    # No horizontal scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not page.is_visible("nav.main-nav")
    page.click("details.menu > summary")
    assert page.is_visible("nav.main-nav")
    screenshot(page, "home-phone")


def test_no_csp_violations_on_home(page, panyu_teacher):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, "gz-panyu-t1")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.wait_for_timeout(300)
    assert errors == []
    assert page.evaluate("typeof window.htmx") == "object"

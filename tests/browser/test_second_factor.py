"""Part 6 in a real browser: an admin enrols an authenticator, signs in with a code, is refused without one."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import PASSWORD, platform_admin

from yiwang.accounts.enums import PlatformRoleKind

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def password_step(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_admin_enrols_signs_in_with_a_code_and_is_refused_without(page):
    admin = platform_admin(PlatformRoleKind.SECURITY)
    # First sign-in: password right, then the enrolment page (the role requires a second factor).
    password_step(page, admin.username)
    page.wait_for_selector("h1:has-text('设置两步验证')")
    assert "您的角色必须使用两步验证" in page.content()
    secret = page.inner_text("#totp-secret")
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    import base64

    assert base64.b32decode(secret) == device.bin_key
    screenshot(page, "second-factor-enrol")
    page.fill("#id_code", code_for(device))
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('两步验证已启用')")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("text=继续")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.context.clear_cookies()  # signed out

    # Without a code: refused, still signed out.
    password_step(page, admin.username)
    page.wait_for_selector("h1:has-text('两步验证')")
    page.fill("#id_code", "")
    page.click("button[type=submit]")
    assert "验证码不正确" in page.inner_text("#login-error")
    page.goto(page.base_url + "/accounts/manage/")
    assert "/accounts/login/" in page.url
    screenshot(page, "second-factor-refused")

    # With a code from the authenticator: signed in.
    password_step(page, admin.username)
    page.wait_for_selector("#id_code")
    TOTPDevice.objects.filter(user=admin).update(last_t=-1)
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user=admin, confirmed=True)))
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('欢迎')")
    page.goto(page.base_url + "/accounts/manage/")
    assert page.locator("h1").inner_text() == "账号管理"

"""Part 6: TOTP with recovery codes, required for platform roles and school admins."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import PASSWORD, UserFactory, platform_admin

from yiwang.accounts import services
from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity.models import AuditRecord

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def password_step(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def test_platform_admin_without_device_must_enrol_before_signing_in(client):
    admin = platform_admin(PlatformRoleKind.SECURITY)
    response = password_step(client, admin)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/login/verify/").content.decode()
    assert "设置两步验证" in page and "您的角色必须使用两步验证" in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = client.post(
        "/accounts/login/verify/", {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    # django-otp also throttles the device itself (1 s after one failure, doubling): clear it.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    done = client.post("/accounts/login/verify/", {"code": current_code(device)})
    html = done.content.decode()
    assert "两步验证已启用" in html
    assert html.count("<li><code>") == services.RECOVERY_CODE_COUNT
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert AuditRecord.objects.filter(action="second_factor.enrolled", actor=admin).count() == 1


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def test_enrolled_admin_signs_in_with_a_code_and_is_refused_without(client):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    device = enrolled(admin)
    password_step(client, admin)
    refused = client.post("/accounts/login/verify/", {"code": ""})
    assert refused.status_code == 400
    assert services.SECOND_FACTOR_REFUSED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/network/manage/").status_code == 302  # still signed out
    response = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert AuditRecord.objects.get(action="account.signed_in").after == {"second_factor": "totp"}


def test_a_code_is_not_accepted_twice(client):
    admin = platform_admin(PlatformRoleKind.AUDIT)
    device = enrolled(admin)
    code = current_code(device)
    assert services.verify_second_factor(user=admin, code=code).user == admin
    assert services.verify_second_factor(user=admin, code=code).user is None


def test_recovery_code_works_once(client):
    admin = platform_admin(PlatformRoleKind.SECURITY)
    services.start_totp_enrolment(admin)
    device = TOTPDevice.objects.get(user=admin)
    codes = services.confirm_totp_enrolment(user=admin, code=current_code(device))
    assert services.verify_second_factor(user=admin, code=codes[0]).user == admin
    assert services.verify_second_factor(user=admin, code=codes[0]).user is None
    assert (
        AuditRecord.objects.filter(action="account.signed_in", after__second_factor="recovery_code").count()
        == 1
    )


def test_lockout_applies_to_the_second_factor(client):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    device = enrolled(admin)
    password_step(client, admin)
    for _ in range(5):
        client.post("/accounts/login/verify/", {"code": "12345x"})
    assert AuditRecord.objects.get(action="account.locked").after["scope"] == "client"
    response = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    # And the password step is locked for this client too.
    assert password_step(client, admin).status_code == 400


def test_school_admin_must_use_a_second_factor(network):
    from tests.factories import MembershipFactory

    admin = MembershipFactory(school=network.city, is_school_admin=True).user
    teacher = MembershipFactory(school=network.city).user
    assert services.second_factor_required(admin) is True
    assert services.second_factor_required(teacher) is False


def test_second_factor_optional_for_others(client, client_for):
    teacher = UserFactory(username="t1")
    assert services.second_factor_required(teacher) is False
    assert password_step(client, teacher).status_code == 302
    client.post("/accounts/logout/")
    # Opting in from the profile: then sign-in asks for the code.
    signed_in = client_for(teacher)
    assert "设置两步验证" in signed_in.get("/accounts/me/second-factor/").content.decode()
    device = TOTPDevice.objects.get(user=teacher, confirmed=False)
    assert (
        "两步验证已启用"
        in signed_in.post("/accounts/me/second-factor/", {"code": current_code(device)}).content.decode()
    )
    signed_in.post("/accounts/logout/")
    assert password_step(signed_in, teacher)["Location"] == "/accounts/login/verify/"


def test_required_second_factor_cannot_be_removed(client_for):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    enrolled(admin)
    client_for(admin).post("/accounts/me/second-factor/remove/")
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_wrong_codes_at_enrolment_count_toward_the_lockout(client):
    from yiwang.accounts.models import SignInFailure

    admin = platform_admin(PlatformRoleKind.SECURITY)
    password_step(client, admin)
    client.get("/accounts/login/verify/")
    for _ in range(5):
        assert client.post("/accounts/login/verify/", {"code": "abc"}).status_code == 400
    assert SignInFailure.objects.filter(username=admin.username, stage="otp").count() == 5
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert client.post("/accounts/login/verify/", {"code": current_code(device)}).status_code == 400
    assert "_auth_user_id" not in client.session

"""Part 5: 三员分立 that holds — the probe's paths are refused."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.factories import PASSWORD, UserFactory, platform_admin

from yiwang.accounts import rules, services
from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.models import PlatformRole, User
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {"username": "helper1", "full_name": "帮手", "email": "", "password": "Qiuyue#58x"}


def test_secadmin_creates_an_account_but_cannot_make_it_system_admin(client_for, client):
    security = platform_admin(PlatformRoleKind.SECURITY)
    admin_client = client_for(security)
    assert admin_client.post("/accounts/manage/", NEW_ACCOUNT).status_code == 302
    helper = User.objects.get(username="helper1")
    # The web path the probe used no longer exists, and the service refuses a web user.
    assert admin_client.post(f"/accounts/manage/{helper.pk}/role/", {"role": "system"}).status_code == 404
    with pytest.raises(PermissionDeniedError) as exc:
        services.grant_platform_role(by=security, user=helper, role=PlatformRoleKind.SYSTEM)
    assert exc.value.message == services.PLATFORM_ROLE_ONLY_FROM_CONSOLE
    assert not PlatformRole.objects.filter(user=helper).exists()
    admin_client.post("/accounts/logout/")
    assert (
        client.post("/accounts/login/", {"username": "helper1", "password": "Qiuyue#58x"}).status_code == 302
    )
    assert client.get("/network/manage/").status_code == 403


def test_sysadmin_cannot_create_accounts_nor_grant_audit_admin(client_for):
    system = platform_admin(PlatformRoleKind.SYSTEM)
    client = client_for(system)
    assert client.get("/accounts/manage/").status_code == 403
    assert client.post("/accounts/manage/", NEW_ACCOUNT).status_code == 403
    assert not User.objects.filter(username="helper1").exists()
    with pytest.raises(PermissionDeniedError):
        services.create_user(by=system, username="helper1", full_name="帮手", password="Qiuyue#58x")
    target = UserFactory()
    with pytest.raises(PermissionDeniedError):
        services.grant_platform_role(by=system, user=target, role=PlatformRoleKind.AUDIT)
    client.force_login(target, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/audit/").status_code == 403


def test_audit_admin_cannot_create_accounts(client_for):
    audit = platform_admin(PlatformRoleKind.AUDIT)
    assert client_for(audit).post("/accounts/manage/", NEW_ACCOUNT).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.create_user(by=audit, username="helper1", full_name="帮手", password="Qiuyue#58x")
    assert not User.objects.filter(username="helper1").exists()


def test_grant_without_actor_no_longer_skips_the_check():
    """Issue 8 part 7: by=None used to grant anything."""
    with pytest.raises(PermissionDeniedError):
        services.grant_platform_role(by=None, user=UserFactory(), role=PlatformRoleKind.SYSTEM)
    assert PlatformRole.objects.count() == 0


def test_only_security_admin_manages_accounts():
    assert rules.can_manage_accounts(platform_admin(PlatformRoleKind.SECURITY)) is True
    assert rules.can_manage_accounts(platform_admin(PlatformRoleKind.SYSTEM)) is False
    assert rules.can_manage_accounts(platform_admin(PlatformRoleKind.AUDIT)) is False
    with pytest.raises(PermissionDeniedError):
        services.unlock_user(by=platform_admin(PlatformRoleKind.SYSTEM), user=UserFactory())


def test_platform_roles_granted_and_revoked_at_the_command_line_and_audited(client_for):
    target = UserFactory(username="ops1")
    call_command("platform_role", "grant", "ops1", "audit")
    assert PlatformRole.objects.get(user=target).role == "audit"
    call_command("platform_role", "revoke", "ops1")
    assert not PlatformRole.objects.filter(user=target).exists()
    actions = list(
        AuditRecord.objects.filter(object_id=str(target.pk)).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["platform_role.granted", "platform_role.revoked"]
    granted = AuditRecord.objects.get(action="platform_role.granted")
    assert granted.after["role"] == "audit" and granted.after["via"] == "command_line"
    # Visible to the audit admin in the audit log.
    html = client_for(platform_admin(PlatformRoleKind.AUDIT)).get("/audit/").content.decode()
    assert "platform_role.granted" in html or "授予平台角色" in html or str(target) in html


def test_command_line_refuses_unknown_user_and_role():
    with pytest.raises(CommandError, match="没有用户名为“ghost”的账号。"):
        call_command("platform_role", "grant", "ghost", "audit")
    UserFactory(username="ops2")
    with pytest.raises(CommandError, match="请指定角色"):
        call_command("platform_role", "grant", "ops2", "god")


def test_new_account_signs_in_with_its_password(client):
    services.create_user(
        by=platform_admin(PlatformRoleKind.SECURITY), username="n1", full_name="新", password=PASSWORD + "x"
    )
    assert client.post("/accounts/login/", {"username": "n1", "password": PASSWORD + "x"}).status_code == 302

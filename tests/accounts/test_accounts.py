import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from tests.factories import UserFactory, platform_admin

from yiwang.accounts import services
from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.models import PlatformRole, User
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def test_production_hasher_is_argon2():
    from yiwang.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码至少需要 8 个字符。"),
        ("abcdefgh", "密码需包含小写字母、大写字母、数字、符号中的至少 3 类。"),
        ("abcdefg1", "密码需包含小写字母、大写字母、数字、符号中的至少 3 类。"),
    ],
)
def test_password_policy_refuses_weak_passwords(password, message):
    with pytest.raises(DomainError) as exc:
        services.create_user(
            by=platform_admin(PlatformRoleKind.SECURITY),
            username="newbie",
            full_name="新人",
            password=password,
        )
    assert message in exc.value.message
    assert not User.objects.filter(username="newbie").exists()


def test_password_policy_accepts_three_classes():
    user = services.create_user(
        by=platform_admin(PlatformRoleKind.SECURITY),
        username="newbie",
        full_name="新人",
        password="Qiuyue#58",
    )
    assert user.check_password("Qiuyue#58")


def test_password_policy_is_configurable(settings):
    settings.PASSWORD_MIN_LENGTH = 12
    with pytest.raises(DomainError) as exc:
        services.create_user(
            by=platform_admin(PlatformRoleKind.SECURITY),
            username="newbie",
            full_name="新人",
            password="abcdefG1!",
        )
    assert "至少需要 12 个字符" in exc.value.message


def test_duplicate_username_refused():
    UserFactory(username="taken")
    with pytest.raises(ConflictError) as exc:
        services.create_user(
            by=platform_admin(PlatformRoleKind.SECURITY),
            username="taken",
            full_name="重名",
            password="Qiuyue#58",
        )
    assert exc.value.message == "用户名“taken”已被使用。"


def test_one_platform_role_per_person_by_service():
    target = UserFactory()
    services.grant_platform_role(by=services.CONSOLE, user=target, role=PlatformRoleKind.AUDIT)
    with pytest.raises(ConflictError) as exc:
        services.grant_platform_role(by=services.CONSOLE, user=target, role=PlatformRoleKind.SYSTEM)
    assert "已担任审计管理员" in exc.value.message
    assert list(PlatformRole.objects.filter(user=target).values_list("role", flat=True)) == ["audit"]


def test_one_platform_role_per_person_by_database():
    target = UserFactory()
    PlatformRole.objects.create(user=target, role=PlatformRoleKind.SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformRole.objects.create(user=target, role=PlatformRoleKind.AUDIT)


def test_database_refuses_unknown_platform_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformRole.objects.create(user=UserFactory(), role="god")


def test_ordinary_user_cannot_grant_roles():
    with pytest.raises(PermissionDeniedError):
        services.grant_platform_role(by=UserFactory(), user=UserFactory(), role=PlatformRoleKind.SYSTEM)


def test_no_account_bypasses_permissions():
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    assert admin.is_superuser is False
    assert admin.has_perm("anything") is False
    assert not any(f.name == "is_superuser" for f in User._meta.get_fields())
    assert "django.contrib.admin" not in settings.INSTALLED_APPS


def test_unlock_by_security_admin(client_for):
    from django.utils import timezone

    locked = UserFactory(locked_until=timezone.now() + timezone.timedelta(minutes=30))
    client = client_for(platform_admin(PlatformRoleKind.SECURITY))
    assert client.post(f"/accounts/manage/{locked.pk}/unlock/").status_code == 302
    locked.refresh_from_db()
    assert locked.locked_until is None


def test_manage_users_forbidden_to_audit_admin(client_for):
    assert client_for(platform_admin(PlatformRoleKind.AUDIT)).get("/accounts/manage/").status_code == 403


def test_api_token_lifecycle(client):
    user = UserFactory()
    token, key = services.create_api_token(user=user, name="教务系统同步")
    assert key.startswith("yw_")
    assert token.key_hash != key
    assert services.user_for_api_key(key) == user
    services.revoke_api_token(user=user, token_id=token.pk)
    assert services.user_for_api_key(key) is None
    with pytest.raises(DomainError) as exc:
        services.revoke_api_token(user=user, token_id=token.pk)
    assert exc.value.message == "令牌不存在或已撤销。"


def test_api_token_created_from_profile_page_shown_once(client_for):
    user = UserFactory()
    client = client_for(user)
    html = client.post("/accounts/me/", {"tk-name": "同步"}).content.decode()
    assert "只显示这一次" in html
    assert user.api_tokens.count() == 1
    assert "只显示这一次" not in client.get("/accounts/me/").content.decode()


def test_change_password_wrong_old_password(client_for):
    user = UserFactory()
    client = client_for(user)
    html = client.post(
        "/accounts/me/",
        {"pw-old_password": "nope", "pw-new_password": "NewPass12", "pw-new_password_again": "NewPass12"},
    ).content.decode()
    assert "原密码不正确。" in html
    user.refresh_from_db()
    assert not user.check_password("NewPass12")

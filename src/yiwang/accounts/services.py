"""Writes on accounts: sign-in with lockout, users, platform roles, API tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

from .enums import PlatformRoleKind
from .models import ApiToken, PlatformRole, User


def format_local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@dataclass
class SignInResult:
    user: User | None
    message: str = ""


def sign_in(*, username: str, password: str) -> SignInResult:
    """Check a username and password, counting failures and locking the account.

    Every failure gives the same message for an unknown name and a wrong
    password (no account enumeration); a locked account says until when.
    """
    wrong = SignInResult(None, "用户名或密码错误。")
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            # Spend the same time hashing as for a real account.
            User().set_password(password)
            return wrong
        if user.is_locked(now):
            return SignInResult(
                None, f"连续登录失败次数过多，账号已锁定至 {format_local(user.locked_until)}，请稍后再试。"
            )
        if not user.check_password(password) or not user.is_active:
            user.failed_login_count += 1
            max_failures = settings.LOGIN_MAX_FAILURES
            if user.failed_login_count >= max_failures:
                user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                user.failed_login_count = 0
                user.save(update_fields=["failed_login_count", "locked_until"])
                record_audit(
                    actor=None, action="account.locked", obj=user, after={"locked_until": user.locked_until}
                )
                return SignInResult(
                    None,
                    f"连续 {max_failures} 次登录失败，账号已锁定至 {format_local(user.locked_until)}，请稍后再试。",
                )
            user.save(update_fields=["failed_login_count"])
            left = max_failures - user.failed_login_count
            return SignInResult(None, f"用户名或密码错误。再失败 {left} 次账号将被锁定。")
        user.failed_login_count = 0
        user.locked_until = None
        user.last_login = now
        user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
        record_audit(actor=user, action="account.signed_in", obj=user)
    return SignInResult(user)


def validate_new_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="password") from exc


def create_user(
    *, by, username: str, full_name: str, password: str, email: str = "", phone: str = ""
) -> User:
    username = username.strip()
    if not username:
        raise DomainError("请填写用户名。", field="username")
    if User.objects.filter(username=username).exists():
        raise ConflictError(f"用户名“{username}”已被使用。", field="username")
    validate_new_password(password)
    with transaction.atomic():
        user = User.objects.create_user(username, password, full_name=full_name, email=email, phone=phone)
        record_audit(
            actor=by, action="account.created", obj=user, after={"username": username, "full_name": full_name}
        )
    return user


def change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise DomainError("原密码不正确。", field="old_password")
    validate_new_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_audit(actor=user, action="account.password_changed", obj=user)


def grant_platform_role(*, by, user: User, role: str) -> PlatformRole:
    """Give a person one of the three platform roles; a second role is refused."""
    if by is not None and not (
        getattr(by, "is_system_admin", False) or getattr(by, "is_security_admin", False)
    ):
        raise PermissionDeniedError("只有系统管理员或安全管理员可以授予平台角色。")
    if role not in PlatformRoleKind.values:
        raise DomainError("无效的平台角色。", field="role")
    existing = PlatformRole.objects.filter(user=user).first()
    if existing is not None:
        raise ConflictError(
            f"{user}已担任{existing.get_role_display()}，一人只能担任系统管理员、安全管理员、审计管理员中的一种。"
        )
    try:
        with transaction.atomic():
            grant = PlatformRole.objects.create(user=user, role=role)
            record_audit(actor=by, action="platform_role.granted", obj=user, after={"role": role})
    except IntegrityError:
        raise ConflictError(f"{user}已担任平台管理角色，一人只能担任一种。") from None
    user.__dict__.pop("_platform_role_cache", None)
    return grant


def unlock_user(*, by, user: User) -> None:
    if not (by.is_security_admin or by.is_system_admin):
        raise PermissionDeniedError("只有安全管理员或系统管理员可以解锁账号。")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"locked_until": user.locked_until}
        user.locked_until = None
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        record_audit(
            actor=by, action="account.unlocked", obj=user, before=before, after={"locked_until": None}
        )


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, shown to the person once."""
    name = name.strip()
    if not name:
        raise DomainError("请为令牌命名，例如“教务系统同步”。", field="name")
    if len(name) > 60:
        raise DomainError("令牌名称不能超过 60 个字符。", field="name")
    key = "yw_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=_hash_key(key))
        record_audit(actor=user, action="api_token.created", obj=token)
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> None:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at=None).first()
        if token is None:
            raise DomainError("令牌不存在或已撤销。")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(actor=user, action="api_token.revoked", obj=token)


def user_for_api_key(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

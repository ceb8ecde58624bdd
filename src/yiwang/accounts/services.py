"""Writes on accounts: sign-in with lockout, users, platform roles, API tokens."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.request_context import current_ip
from yiwang.core.secret_keys import key_hash, live_token, new_key, revoke_own

from . import rules
from .enums import PlatformRoleKind
from .models import ApiToken, PlatformRole, SignInFailure, User

SIGN_IN_REFUSED = "用户名或密码错误，或尝试次数过多已被暂时锁定。请稍后再试，或联系安全管理员。"
SECOND_FACTOR_REFUSED = "验证码不正确或已使用，或尝试次数过多已被暂时锁定。请稍后再试。"
BLOCKED = "blocked"


@dataclass
class SignInResult:
    user: User | None
    message: str = ""
    # Password right, second factor still to give (or to enrol first).
    pending: User | None = None


def _window_start(now):
    return now - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _blocked(username: str, ip: str | None, now) -> bool:
    """Whether this client may not try this account now (see docs/decisions/0004)."""
    recent = SignInFailure.objects.filter(at__gte=_window_start(now))
    counted = recent.exclude(stage=BLOCKED)
    if recent.filter(username=username, ip_address=ip).count() >= settings.LOGIN_MAX_FAILURES:
        return True
    if counted.filter(username=username).count() >= settings.LOGIN_ACCOUNT_MAX_FAILURES:
        return True
    client = recent.filter(ip_address=ip).count() if ip else 0
    if client >= settings.LOGIN_CLIENT_MAX_FAILURES:
        return True
    return client >= 1 and counted.count() >= settings.LOGIN_GLOBAL_MAX_FAILURES


def _record_failure(*, username: str, user: User | None, ip: str | None, now, stage: str, blocked: bool):
    SignInFailure.objects.filter(at__lt=now - 2 * timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)).delete()
    SignInFailure.objects.create(
        username=username, ip_address=ip, at=now, stage=BLOCKED if blocked else stage
    )
    if blocked:
        return
    recent = SignInFailure.objects.filter(at__gte=_window_start(now))
    until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    repr_ = str(user) if user is not None else username
    if recent.filter(username=username, ip_address=ip).count() == settings.LOGIN_MAX_FAILURES:
        record_audit(
            actor=None,
            action="account.locked",
            obj=user,
            object_repr=repr_,
            after={"scope": "client", "username": username, "ip": ip, "until": until},
        )
    if recent.exclude(stage=BLOCKED).filter(username=username).count() == settings.LOGIN_ACCOUNT_MAX_FAILURES:
        if user is not None:
            User.objects.filter(pk=user.pk).update(locked_until=until)
        record_audit(
            actor=None,
            action="account.locked",
            obj=user,
            object_repr=repr_,
            after={"scope": "account", "username": username, "until": until},
        )
    if ip and recent.filter(ip_address=ip).count() == settings.LOGIN_CLIENT_MAX_FAILURES:
        record_audit(
            actor=None, action="sign_in.throttled", object_repr=ip, after={"scope": "client", "ip": ip}
        )


def sign_in(*, username: str, password: str) -> SignInResult:
    """Check a username and password under the lockout and throttles.

    Unknown names, wrong passwords, disabled, locked and throttled accounts all
    get the same message and cost one password hash (no account enumeration).
    A right password for someone who must (or chose to) use a second factor
    gives ``pending``: the caller asks for the code, then calls
    ``verify_second_factor``.
    """
    now = timezone.now()
    ip = current_ip.get()
    username = username[:64]
    with transaction.atomic():
        blocked = _blocked(username, ip, now)
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # spend the same time hashing as for a real account
            correct = False
        else:
            correct = user.check_password(password)
        if blocked or not correct or not user.is_active or user.is_locked(now):
            _record_failure(username=username, user=user, ip=ip, now=now, stage="password", blocked=blocked)
            return SignInResult(None, SIGN_IN_REFUSED)
        if second_factor_required(user) or has_second_factor(user):
            return SignInResult(None, pending=user)
        _complete_sign_in(user, now, ip)
    return SignInResult(user)


def _complete_sign_in(user: User, now, ip, *, second_factor: str = "") -> None:
    SignInFailure.objects.filter(username=user.username, ip_address=ip).delete()
    user.failed_login_count = 0
    user.last_login = now
    user.save(update_fields=["failed_login_count", "last_login"])
    record_audit(
        actor=user,
        action="account.signed_in",
        obj=user,
        after={"second_factor": second_factor} if second_factor else None,
    )


# --- second factor (TOTP with recovery codes, django-otp) -----------------------------

RECOVERY_DEVICE_NAME = "恢复码"
RECOVERY_CODE_COUNT = 10


def second_factor_required(user: User) -> bool:
    return bool(settings.SECOND_FACTOR_REQUIRED) and rules.must_use_second_factor(user)


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_totp_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


def totp_config_url(device: TOTPDevice) -> str:
    return device.config_url


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def confirm_totp_enrolment(*, user: User, code: str, completes_sign_in: bool = False) -> list[str]:
    """Confirm the authenticator with a first code; returns the recovery codes, shown once.

    At a first sign-in (``completes_sign_in``) the code is also the second factor of that sign-in.
    """
    code = (code or "").strip().replace(" ", "")
    now = timezone.now()
    ip = current_ip.get()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise DomainError("没有待确认的身份验证器，请重新开始设置。")
        blocked = _blocked(user.username, ip, now)
        if blocked or not code.isdigit() or not device.verify_token(code):
            # Recorded and committed: the refusal below must not roll the failure back.
            _record_failure(username=user.username, user=user, ip=ip, now=now, stage="otp", blocked=blocked)
            codes = None
        else:
            TOTPDevice.objects.filter(user=user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            record_audit(actor=user, action="second_factor.enrolled", obj=user)
            if completes_sign_in:
                _complete_sign_in(user, now, ip, second_factor="totp_enrolled")
    if codes is None:
        raise DomainError("验证码不正确，请输入身份验证器上显示的 6 位数字。", field="code")
    return codes


def verify_second_factor(*, user: User, code: str) -> SignInResult:
    """The second step of signing in: a TOTP code or one recovery code."""
    code = (code or "").strip().replace(" ", "")[:16]
    now = timezone.now()
    ip = current_ip.get()
    with transaction.atomic():
        blocked = _blocked(user.username, ip, now)
        used = ""
        if not blocked and code:
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if code.isdigit() and device.verify_token(code):
                    used = "totp"
            if not used:
                for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
                    if device.verify_token(code):
                        used = "recovery_code"
        if not used:
            _record_failure(username=user.username, user=user, ip=ip, now=now, stage="otp", blocked=blocked)
            return SignInResult(None, SECOND_FACTOR_REFUSED)
        _complete_sign_in(user, now, ip, second_factor=used)
    return SignInResult(user)


def remove_second_factor(*, user: User) -> None:
    if second_factor_required(user):
        raise PermissionDeniedError("您的角色必须使用两步验证，不能关闭。")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record_audit(actor=user, action="second_factor.removed", obj=user)


def validate_new_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="password") from exc


def create_user(
    *, by, username: str, full_name: str, password: str, email: str = "", phone: str = ""
) -> User:
    """Create an account: the security admin, or a school admin adding a person to its school
    (三员分立: the system and audit admins create no accounts)."""
    if not rules.can_create_accounts(by):
        raise PermissionDeniedError("只有安全管理员（或为本校添加人员的学校管理员）可以创建账号。")
    username = username.strip()
    if not username:
        raise DomainError("请填写用户名。", field="username")
    if User.objects.filter(username=username).exists():
        raise ConflictError(f"用户名“{username}”已被使用。", field="username")
    validate_new_password(password, User(username=username, full_name=full_name, email=email))
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


class ServerConsole:
    """Who grants platform roles: the operator at the server's command line.

    Platform roles are never granted through the web (docs/decisions/0005):
    ``yiwang platform_role grant <username> <role>`` passes ``CONSOLE`` as ``by``.
    """

    is_authenticated = False

    def __init__(self, operator: str = ""):
        self.operator = operator

    def __str__(self) -> str:
        return f"服务器命令行（{self.operator}）" if self.operator else "服务器命令行"


CONSOLE = ServerConsole()
PLATFORM_ROLE_ONLY_FROM_CONSOLE = "平台管理角色只能由服务器运维人员在命令行授予或撤销（yiwang platform_role），网页上任何人都不能授予，以保证三员分立。"


def _require_console(by) -> ServerConsole:
    if not isinstance(by, ServerConsole):
        raise PermissionDeniedError(PLATFORM_ROLE_ONLY_FROM_CONSOLE)
    return by


def grant_platform_role(*, by, user: User, role: str) -> PlatformRole:
    """Give a person one of the three platform roles; a second role is refused.

    ``by`` must be a ``ServerConsole``: no web user, and not None, can grant one.
    """
    console = _require_console(by)
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
            record_audit(
                actor=None,
                action="platform_role.granted",
                obj=user,
                after={"role": role, "via": "command_line", "operator": console.operator},
            )
    except IntegrityError:
        raise ConflictError(f"{user}已担任平台管理角色，一人只能担任一种。") from None
    user.__dict__.pop("_platform_role_cache", None)
    return grant


def revoke_platform_role(*, by, user: User) -> None:
    console = _require_console(by)
    with transaction.atomic():
        grant = PlatformRole.objects.select_for_update().filter(user=user).first()
        if grant is None:
            raise DomainError(f"{user}没有平台管理角色。")
        role = grant.role
        grant.delete()
        record_audit(
            actor=None,
            action="platform_role.revoked",
            obj=user,
            before={"role": role},
            after={"via": "command_line", "operator": console.operator},
        )
    user.__dict__.pop("_platform_role_cache", None)


def unlock_user(*, by, user: User) -> None:
    if not rules.can_manage_accounts(by):
        raise PermissionDeniedError("只有安全管理员可以解锁账号。")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"locked_until": user.locked_until}
        user.locked_until = None
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        SignInFailure.objects.filter(username=user.username).delete()
        record_audit(
            actor=by, action="account.unlocked", obj=user, before=before, after={"locked_until": None}
        )


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, shown to the person once."""
    name = name.strip()
    if not name:
        raise DomainError("请为令牌命名，例如“教务系统同步”。", field="name")
    if len(name) > 60:
        raise DomainError("令牌名称不能超过 60 个字符。", field="name")
    key = new_key("yw_", 32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=key_hash(key))
        record_audit(actor=user, action="api_token.created", obj=token)
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> None:
    with transaction.atomic():
        token = revoke_own(
            ApiToken.objects.all(),
            user_id=user.pk,
            token_id=token_id,
            missing=DomainError("令牌不存在或已撤销。"),
        )
        record_audit(actor=user, action="api_token.revoked", obj=token)


def user_for_api_key(key: str) -> User | None:
    token = live_token(ApiToken.objects.select_related("user"), key)
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

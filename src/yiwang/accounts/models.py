"""Accounts: a custom user (no superuser flag — nobody bypasses permission
checks), the platform admin roles (at most one per person, enforced by a
unique constraint) and personal API tokens."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from yiwang.core.crypto import EncryptedField, hash_index_expression

from .enums import PlatformRoleKind


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        if not username:
            raise ValueError("用户名不能为空")
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    username = models.CharField("用户名", max_length=64, unique=True)
    full_name = models.CharField("姓名", max_length=64)
    # Encrypted at rest with a keyed hash for exact lookups (core.crypto, decision 0008).
    email = EncryptedField("电子邮箱", kind="email", blank=True)
    phone = EncryptedField("手机", kind="phone", blank=True)
    is_active = models.BooleanField("启用", default=True)
    date_joined = models.DateTimeField("注册时间", default=timezone.now)
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "用户"
        ordering = ["username"]
        indexes = [
            models.Index(hash_index_expression("email"), name="user_email_hash_idx"),
            models.Index(hash_index_expression("phone"), name="user_phone_hash_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    # Django's auth context processor and templates look for these; nobody is a
    # superuser and permissions come only from our own predicates.
    is_superuser = False
    is_staff = False

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False

    @property
    def platform_role(self) -> str | None:
        cached = getattr(self, "_platform_role_cache", "unset")
        if cached == "unset":
            role = PlatformRole.objects.filter(user_id=self.pk).values_list("role", flat=True).first()
            self._platform_role_cache = role
            return role
        return cached

    @property
    def is_system_admin(self) -> bool:
        return self.platform_role == PlatformRoleKind.SYSTEM

    @property
    def is_security_admin(self) -> bool:
        return self.platform_role == PlatformRoleKind.SECURITY

    @property
    def is_audit_admin(self) -> bool:
        return self.platform_role == PlatformRoleKind.AUDIT

    @property
    def platform_role_label(self) -> str:
        role = self.platform_role
        return PlatformRoleKind(role).label if role else ""

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class PlatformRole(models.Model):
    """A platform admin role. One row per person at most: the database refuses a second."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="platform_role_grant")
    role = models.CharField("平台角色", max_length=10, choices=PlatformRoleKind.choices)
    granted_at = models.DateTimeField("授予时间", default=timezone.now)

    class Meta:
        verbose_name = "平台管理角色"
        constraints = [
            models.CheckConstraint(condition=Q(role__in=PlatformRoleKind.values), name="platform_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token, sent as ``Authorization: Bearer <token>``. Only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SignInFailure(models.Model):
    """One failed sign-in attempt (wrong password, unknown name, locked, wrong second factor).

    The lockout and the throttles count these rows within the lockout window,
    so counts expire by themselves and hold across every server process.
    """

    username = models.CharField("用户名", max_length=64)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)
    stage = models.CharField("环节", max_length=10, default="password")

    class Meta:
        verbose_name = "登录失败记录"
        indexes = [
            models.Index(fields=["username", "at"], name="signin_fail_user_at"),
            models.Index(fields=["ip_address", "at"], name="signin_fail_ip_at"),
            models.Index(fields=["at"], name="signin_fail_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address}"


class IdempotencyKey(models.Model):
    """The first answer to an API write sent with an ``Idempotency-Key`` header.

    One row per (caller, key): the unique constraint makes a concurrent repeat wait for the
    first request's transaction and then find its answer (``accounts.idempotency``). Rows
    expire after ``IDEMPOTENCY_KEY_HOURS``; expired rows of a caller are removed on their next
    keyed write, and ``yiwang purge_idempotency_keys`` removes all of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField("键", max_length=255)
    fingerprint = models.CharField("请求摘要", max_length=64)
    status_code = models.PositiveSmallIntegerField("状态码", null=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(default=b"")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间")

    class Meta:
        verbose_name = "幂等键"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]
        indexes = [models.Index(fields=["user", "expires_at"], name="idempotency_user_expires")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

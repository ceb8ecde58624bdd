"""``yiwang platform_role grant <username> <role>`` / ``revoke <username>``: the only way
to give or take a platform admin role (三员分立, docs/decisions/0005)."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.models import User
from yiwang.accounts.services import ServerConsole, grant_platform_role, revoke_platform_role
from yiwang.core.errors import DomainError

ROLE_NAMES = {"system": "system", "security": "security", "audit": "audit"} | {
    label: value for value, label in PlatformRoleKind.choices
}


class Command(BaseCommand):
    help = (
        "在服务器命令行授予或撤销平台管理角色（系统管理员 system、安全管理员 security、审计管理员 audit）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("username")
        parser.add_argument("role", nargs="?", help="system / security / audit（授予时必填）")

    def handle(self, *args, action: str, username: str, role: str | None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的账号。")
        console = ServerConsole(getpass.getuser())
        try:
            if action == "grant":
                if not role or role not in ROLE_NAMES:
                    raise CommandError("请指定角色：system、security 或 audit。")
                grant_platform_role(by=console, user=user, role=ROLE_NAMES[role])
                self.stdout.write(f"已授予 {user} {PlatformRoleKind(ROLE_NAMES[role]).label}。")
            else:
                revoke_platform_role(by=console, user=user)
                self.stdout.write(f"已撤销 {user} 的平台管理角色。")
        except DomainError as exc:
            raise CommandError(exc.message) from exc

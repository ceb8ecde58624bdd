"""``yiwang demo [--scale N]``: load the demo network and every app's demo data (idempotent)."""

from importlib import import_module

from django.core.management.base import BaseCommand

from yiwang.core.db import refresh_planner_statistics
from yiwang.network.demo import DEMO_PASSWORD, DemoLog

# Loaded in this order; each module offers ``load(*, scale, log)``.
DEMO_MODULES = [
    "yiwang.network.demo",
    "yiwang.faculty.demo",
    "yiwang.topics.demo",
    "yiwang.courses.demo",
    "yiwang.research.demo",
    "yiwang.classes.demo",
    "yiwang.reviews.demo",
    "yiwang.exchanges.demo",
    "yiwang.codev.demo",
    "yiwang.calls.demo",
    "yiwang.sites.demo",
    "yiwang.alliances.demo",
    "yiwang.dashboards.demo",
    "yiwang.search.demo",
]


class Command(BaseCommand):
    help = "载入演示网络与演示数据（可重复执行，第二次不会改变任何数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="额外生成的合成学校数量（用于性能测试）")
        parser.add_argument("--quiet", action="store_true", help="不打印演示账号")

    def handle(self, *args, scale: int = 0, quiet: bool = False, **options):
        log = DemoLog(lambda text: self.stdout.write(text))
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            before = log.created
            module.load(scale=scale, log=log)
            self.stdout.write(f"  {name.split('.')[1]}: 新建 {log.created - before} 条")
        if log.created:
            refresh_planner_statistics()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（本次新建 {log.created} 条记录）。"))
        if not quiet:
            self.stdout.write(
                f"\n演示账号（密码均为 {DEMO_PASSWORD}）：\n"
                "  gz-panyu-t1      番禺区委党校教师\n"
                "  gz-staff         广州市委党校教务/培训/科研\n"
                "  gz-admin         广州市委党校学校管理员\n"
                "  gz-panyu-staff   番禺区委党校教务\n"
                "  lz-xuyong-admin  叙永县委党校管理员（川滇黔联盟）\n"
                "  sysadmin / secadmin / auditadmin  系统 / 安全 / 审计管理员\n"
            )

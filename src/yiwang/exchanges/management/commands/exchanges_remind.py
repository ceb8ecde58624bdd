"""``yiwang exchanges_remind``: remind the receiving schools once of requests waiting too long, and
tell guest schools of changes to their hosted classes' plans. Run it from cron (e.g. hourly)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from yiwang.exchanges.services import remind_waiting_requests
from yiwang.exchanges.services.hosting import notify_plan_changes


class Command(BaseCommand):
    help = "催办等待过久的协作请求（每条只催一次），并通知委托学校承办班次的安排变化。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=int(getattr(settings, "EXCHANGES_REMIND_AFTER_DAYS", 3)),
            help="已提交超过多少天未答复即催办（默认 3 天）",
        )

    def handle(self, *args, days: int, **options):
        reminded = remind_waiting_requests(older_than_days=days)
        changed = notify_plan_changes()
        self.stdout.write(f"催办 {reminded} 条请求；承办班次变更通知 {changed} 条。")

"""``yiwang prune_import_jobs [--days 30]``: delete import jobs that finished long ago.

Run it daily (cron or a systemd timer beside ``yiwang db_worker``); queued and running jobs
are never touched.
"""

from django.core.management.base import BaseCommand, CommandError

from yiwang.banks.services import KEEP_JOBS_DAYS, prune_import_jobs
from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "删除完成已超过指定天数的 Excel 导入任务（排队中和进行中的任务不受影响）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=KEEP_JOBS_DAYS,
            help=f"保留最近多少天内完成的任务（默认 {KEEP_JOBS_DAYS}）",
        )

    def handle(self, *args, days: int, **options):
        try:
            deleted = prune_import_jobs(older_than_days=days)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"已删除 {deleted} 个 {days} 天前完成的导入任务。"))

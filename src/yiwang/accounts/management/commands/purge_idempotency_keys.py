"""``yiwang purge_idempotency_keys``: remove every expired Idempotency-Key record (cron-friendly)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from yiwang.accounts.models import IdempotencyKey


class Command(BaseCommand):
    help = "删除所有已过期的 Idempotency-Key 记录（可每天由定时任务运行）。"

    def handle(self, *args, **options):
        deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
        self.stdout.write(f"已删除 {deleted} 条过期的幂等键记录。")

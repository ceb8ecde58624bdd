"""``yiwang compact_tallies``: fold the boards' delta rows (``dashboards_tally``) into one row per
key. Every number stays the same (exact beside concurrent writes, decision 0013); the boards read
fewer rows. Run it from cron (e.g. hourly or nightly) or enqueue the ``compact_tallies`` task."""

from django.core.management.base import BaseCommand

from yiwang.dashboards.services import compact_tally_rows


class Command(BaseCommand):
    help = "合并看板增量记录（每个统计键合并为一行；看板数字不变）。"

    def handle(self, *args, **options):
        before, after = compact_tally_rows()
        self.stdout.write(f"看板增量记录：合并前 {before} 行，合并后 {after} 行。")

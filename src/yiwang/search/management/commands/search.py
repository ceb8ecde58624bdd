"""``yiwang search rebuild``: drop the search index and index every searchable item again."""

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "搜索索引维护。子命令：rebuild（重建全部索引；修改领域词典文件或批量导入数据后执行）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="子命令")
        rebuild = sub.add_parser("rebuild", help="重建全部搜索索引")
        rebuild.add_argument("--batch-size", type=int, default=1000)
        rebuild.add_argument(
            "--workers", type=int, default=None, help="分词进程数（默认每个 CPU 核一个，至多 4 个）"
        )
        rebuild.add_argument("--quiet", action="store_true")

    def handle(
        self, *args, action=None, batch_size: int = 1000, workers=None, quiet: bool = False, **options
    ):
        if action != "rebuild":
            raise CommandError("请指定子命令：yiwang search rebuild")
        from yiwang.search.enums import DocumentType
        from yiwang.search.services import default_workers, rebuild_index

        started = time.monotonic()
        progress = None if quiet else (lambda text: self.stdout.write(text))
        counts = rebuild_index(batch_size=batch_size, progress=progress, workers=workers or default_workers())
        summary = "，".join(f"{DocumentType(k).label} {v} 条" for k, v in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"搜索索引已重建：{summary}（用时 {time.monotonic() - started:.1f} 秒）。")
        )

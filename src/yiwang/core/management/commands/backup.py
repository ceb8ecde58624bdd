"""``yiwang backup [--output FILE]``: one archive of the database and every uploaded file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库和全部上传文件到一个归档文件（服务运行时也可执行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="归档文件路径，默认为当前目录下的 yiwang-backup-<时间>.tar.gz"
        )

    def handle(self, *args, output: str | None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = Path(output or f"yiwang-backup-{stamp}.tar.gz")
        try:
            manifest = create_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已备份到 {path}：{manifest['engine']} 数据库，{manifest['media_files']} 个上传文件。"
        )

"""``yiwang restore FILE``: bring a backup back into an empty database and media folder."""

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    requires_system_checks = []  # the checks would open (and create) the database to be restored
    help = "从 yiwang backup 生成的归档恢复数据库和上传文件（目标数据库和上传目录须为空）。"

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive: str, **options):
        try:
            manifest = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已恢复：{manifest['engine']} 数据库（备份于 {manifest['created_at']}），"
            f"{manifest['media_files']} 个上传文件。"
        )

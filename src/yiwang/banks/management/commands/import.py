"""``yiwang import <bank> <file.xlsx> --school <code> [--on-duplicate skip|update]``.

Dispatches to the bank importers registered in ``yiwang.core.excel`` (each app's
``excel.py``). Checks every row first; writes nothing unless the file is clean. The writer is the server's
command line (``accounts.services.ServerConsole`` with the operator's login name): it may
import into any school; every other check runs as for a person.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from yiwang.accounts.services import ServerConsole
from yiwang.core import excel
from yiwang.core.errors import DomainError
from yiwang.network.models import School


class Command(BaseCommand):
    help = "从 Excel 文件导入数据（先检查每一行，全部无误才导入）。"

    def add_arguments(self, parser):
        parser.add_argument("bank", help="数据类型，例如 teacher、topic")
        parser.add_argument("file", help="Excel（.xlsx）文件路径")
        parser.add_argument("--school", required=True, help="导入到的学校代码，例如 gz-panyu")
        parser.add_argument(
            "--on-duplicate",
            choices=["skip", "update"],
            default=None,
            help="与已有记录重复时：skip 跳过，update 更新（不指定则列出重复并停止）",
        )

    def handle(self, *args, bank: str, file: str, school: str, on_duplicate: str | None, **options):
        self.verbosity = options.get("verbosity", 1)
        target = School.objects.filter(code=school).first()
        if target is None:
            raise CommandError(f"未知的学校代码“{school}”。")
        try:
            console = ServerConsole(getpass.getuser())
            importer = excel.get_importer(bank)(by=console, school=target, on_duplicate=on_duplicate)
            with open(file, "rb") as handle:
                data = excel.check_upload(handle, file)
            report = importer.run(data, self._progress if self.verbosity > 1 else None)
        except FileNotFoundError:
            raise CommandError(f"找不到文件“{file}”。") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if report.state == "invalid":
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"文件中有 {len(report.problems)} 个问题，未导入任何记录。")
        if report.state == "needs_decision":
            for dup in report.duplicates:
                self.stderr.write(f"第 {dup['row']} 行“{dup['item']}”可能与已有记录“{dup['existing']}”重复")
            raise CommandError(
                f"有 {len(report.duplicates)} 行可能与已有记录重复，请用 --on-duplicate skip 或 update 指定处理方式。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新建 {report.created} 条，更新 {report.updated} 条，跳过 {report.skipped} 条。"
            )
        )

    def _progress(self, checked: int, total: int) -> None:
        if self.verbosity > 1:
            self.stdout.write(f"已检查 {checked} / {total} 行")

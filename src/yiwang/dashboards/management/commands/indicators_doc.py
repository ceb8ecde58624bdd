"""``yiwang indicators_doc [--write]``: print (or write) docs/indicators.md from the indicator definitions."""

from pathlib import Path

from django.core.management.base import BaseCommand

from yiwang.dashboards.indicators import markdown

DOC = Path(__file__).resolve().parents[5] / "docs" / "indicators.md"


class Command(BaseCommand):
    help = "根据指标定义生成 docs/indicators.md。"

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="写入 docs/indicators.md")

    def handle(self, *args, write: bool = False, **options):
        text = markdown()
        if write:
            DOC.write_text(text, encoding="utf-8")
            self.stdout.write(f"已写入 {DOC}")
        else:
            self.stdout.write(text)

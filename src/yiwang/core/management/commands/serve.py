"""``yiwang serve``: run the production server (gunicorn) on 127.0.0.1:$PORT."""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "以生产级服务器（gunicorn）启动平台。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))

    def handle(self, *args, port: int, host: str, workers: int, **options):
        self.stdout.write(f"一网已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        self.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "yiwang.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", "4", "--access-logfile", "-", "--timeout", "60"]
        os.execv(sys.executable, argv)

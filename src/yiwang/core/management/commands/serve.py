"""``yiwang serve``: the production server (gunicorn) on 127.0.0.1:$PORT, plus one
background task worker (``db_worker`` of django-tasks-db) for Excel imports and
other queued work. Ctrl+C stops both."""

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

from yiwang.core.db import refresh_planner_statistics


class Command(BaseCommand):
    help = "以生产级服务器（gunicorn）启动平台，并启动一个后台任务进程（导入等）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

    def handle(self, *args, port: int, host: str, workers: int, no_worker: bool, **options):
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "yiwang.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # iCal feed keys are cut out of logged paths (core/log_redaction.py).
            "--logger-class",
            "yiwang.core.gunicorn_logging.Logger",
            "--timeout",
            "60",
        ]
        refresh_planner_statistics()  # fresh statistics before the first request
        children = []
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "yiwang", "db_worker"]))
        self.stdout.write(f"一网已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        self.stdout.flush()
        server = subprocess.Popen(web)
        children.append(server)

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = server.wait()
        stop(None, None)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(code)

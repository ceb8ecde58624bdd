"""Measure the banks at scale (run after generate.py). Not run by the tests.

    DATABASE_URL=sqlite:////tmp/yiwang_bench.sqlite3 .venv/bin/python bench/banks/measure.py lists
    DATABASE_URL=sqlite:////tmp/yiwang_bench.sqlite3 .venv/bin/python bench/banks/measure.py queries
    DATABASE_URL=sqlite:////tmp/yiwang_import.sqlite3 .venv/bin/python bench/banks/measure.py import --rows 100000

``lists``: the real gunicorn server (``yiwang serve``, 2 workers) over loopback; a teacher of a
district school (gz-panyu-t1) requests the topic list page (50 rows), the topic API list
(page_size=50) and the faculty page/API; p50/p95 over N sequential requests after warm-up.
``queries``: SQL queries per page (in-process test client) on the current database.
``import``: a 100 k-row teacher spreadsheet through ``yiwang import`` (wall time, peak RSS).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")
ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
URLS = [
    "/topics/",
    "/api/v1/topics/?page_size=50",
    "/faculty/",
    "/api/v1/faculty/?page_size=50",
    "/topics/?form=field",
    "/topics/?page=20",
]


def setup_django():
    import django

    django.setup()


def session_cookie(username: str) -> str:
    """An authenticated session for ``username`` (as after signing in)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from yiwang.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = (
        settings.AUTHENTICATION_BACKENDS[0]
        if hasattr(settings, "AUTHENTICATION_BACKENDS")
        else "django.contrib.auth.backends.ModelBackend"
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure_lists(requests: int, port: int) -> None:
    setup_django()
    cookie = session_cookie("gz-panyu-t1")
    env = {**os.environ, "DEBUG": "0", "PORT": str(port), "WEB_CONCURRENCY": "2"}
    server = subprocess.Popen(
        [str(VENV_BIN / "yiwang"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"yiwang serve exited (port {port} in use?)")
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        check = urllib.request.Request(base + "/api/v1/topics/?page_size=1", headers={"Cookie": cookie})
        print(
            "server answers:",
            urllib.request.urlopen(check, timeout=30).read()[:120].decode(errors="replace"),
            flush=True,
        )
        for url in URLS:
            timings = []
            for i in range(requests + 5):
                request = urllib.request.Request(base + url, headers={"Cookie": cookie})
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = response.read()
                    assert response.status == 200, url
                if i >= 5:  # warm-up
                    timings.append((time.perf_counter() - start) * 1000)
            print(
                f"{url:40s} p50 {statistics.median(timings):7.1f} ms   p95 {p95(timings):7.1f} ms   "
                f"({len(body)} bytes, {requests} requests)",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure_queries() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from yiwang.accounts.models import User
    from yiwang.topics.models import Topic

    setup_test_environment()
    client = Client()
    client.force_login(
        User.objects.get(username="gz-panyu-t1"), backend="django.contrib.auth.backends.ModelBackend"
    )
    print(f"topics in database: {Topic.objects.count()}")
    for url in URLS[:4]:
        client.get(url, HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        print(f"{url:40s} {len(queries)} SQL queries")


def write_teacher_file(path: Path, rows: int) -> None:
    import random

    from openpyxl import Workbook

    from yiwang.core.demo_names import fictional_name

    rng = random.Random(11)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("教师导入")
    sheet.append(
        [
            "姓名",
            "性别",
            "职称",
            "职务",
            "教研部",
            "研究专长",
            "简介",
            "电话",
            "电子邮箱",
            "外请师资",
            "共享范围",
        ]
    )
    titles, scopes = ["教授", "副教授", "讲师", "助教"], ["本系统", "全网", "本校", "公开"]
    for i in range(rows):
        sheet.append(
            [
                fictional_name(rng),
                rng.choice(["男", "女"]),
                rng.choice(titles),
                "",
                "经济学教研部",
                "数字经济、新质生产力",
                "长期从事经济学教学研究。",
                f"139{i:08d}",
                f"t{i}@example.cn",
                "否",
                rng.choice(scopes),
            ]
        )
    workbook.save(path)


def measure_import(rows: int) -> None:
    setup_django()
    from django.core.management import call_command

    from yiwang.network.models import School

    call_command("migrate", verbosity=0)
    call_command("demo", quiet=True, verbosity=0)
    path = Path(f"/tmp/yiwang_teachers_{rows}.xlsx")
    start = time.perf_counter()
    if not path.exists():
        write_teacher_file(path, rows)
    print(f"wrote {rows} rows ({path.stat().st_size / 1048576:.1f} MB) in {time.perf_counter() - start:.1f}s")
    for listeners in ("off", "on"):
        n = rows if listeners == "off" else min(rows, 2000)
        target = path if n == rows else Path(f"/tmp/yiwang_teachers_{n}.xlsx")
        if not target.exists():
            write_teacher_file(target, n)
        code = f"bench-import-{listeners}"
        School.objects.get_or_create(
            code=code,
            defaults={
                "name": f"基准测试导入党校{listeners}",
                "short_name": "导入",
                "level": "county",
                "province": "广东省",
            },
        )
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, __file__, "_import_once", str(target), code, listeners],
            capture_output=True,
            text=True,
            # DEBUG off as in production (the worker): with DEBUG on, Django keeps the text of
            # the last 9 000 queries, i.e. every multi-megabyte bulk INSERT of the import.
            env={**os.environ, "DEBUG": os.environ.get("DEBUG", "0")},
        )
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(result.stdout.strip() or result.stderr.strip()[-800:])
        print(
            f"import of {n} teacher rows, search listeners {listeners}: {elapsed:.1f} s wall (process incl. "
            f"start-up), peak RSS so far {peak_mb:.0f} MB",
            flush=True,
        )


def import_once(path: str, school_code: str, listeners: str) -> None:
    """One import in this process; with ``listeners=off`` the search index listeners are detached so the
    figure is the bank import itself (check every row + write + commit)."""
    setup_django()
    from django.core.management import call_command

    from yiwang.core import indexing

    if listeners == "off":
        indexing._changed.clear()
        indexing._bulk_changed.clear()
    start, cpu_start = time.perf_counter(), time.process_time()
    call_command("import", "teacher", path, "--school", school_code, "--on-duplicate", "skip")
    # CPU time as well as wall time: on the shared 2-core VM the wall time depends on what the
    # other sessions run; the CPU time of this process much less.
    print(
        f"  in-process: {time.perf_counter() - start:.1f} s wall, "
        f"{time.process_time() - cpu_start:.1f} s CPU; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["lists", "queries", "import", "_import_once"])
    parser.add_argument("extra", nargs="*")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    if args.what == "_import_once":
        import_once(*args.extra)
    elif args.what == "lists":
        measure_lists(args.requests, args.port)
    elif args.what == "queries":
        measure_queries()
    else:
        measure_import(args.rows)


if __name__ == "__main__":
    sys.exit(main())

"""Measure the banks at scale (run after generate.py). Not run by the tests.

    DATABASE_URL=sqlite:////tmp/yiwang_bench.sqlite3 .venv/bin/python bench/banks/measure.py lists
    DATABASE_URL=sqlite:////tmp/yiwang_bench.sqlite3 .venv/bin/python bench/banks/measure.py queries
    DATABASE_URL=sqlite:////tmp/yiwang_import.sqlite3 .venv/bin/python bench/banks/measure.py import --rows 100000

``lists``: the real gunicorn server (``yiwang serve``, 2 workers) over loopback; a teacher of a
district school (gz-panyu-t1) requests the topic list page (50 rows), the topic API list
(page_size=50) and the faculty page/API; p50/p95 over N sequential requests after warm-up.
``queries``: SQL queries per page (in-process test client) on the current database.
``import``: a spreadsheet of ``--rows`` teachers or topics (``--bank``) through ``yiwang import``
in a child process (wall, CPU, peak RSS, load average); ``--listeners on`` runs the real
``yiwang import`` command with the search index updated after commit, ``off`` (default) the same
command with the index listeners detached.

    DATABASE_URL=sqlite:////tmp/yiwang_import.sqlite3 .venv/bin/python bench/banks/measure.py import --bank topic --rows 200000
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


SUBJECTS = [
    "百千万工程",
    "乡村振兴",
    "高质量发展",
    "基层治理",
    "数字经济",
    "新质生产力",
    "城市更新",
    "营商环境",
]
ANGLES = ["的理论逻辑与实践路径", "的广东探索", "的现场教学", "中的领导干部担当", "的案例分析", "的机制创新"]
PLACES = ["广州", "番禺", "南沙", "天河", "梅州", "清远", "叙永", "古蔺"]


def write_topic_file(path: Path, rows: int, teachers: list[tuple[int, str]]) -> None:
    """``rows`` topics, each taught by one of ``teachers`` written ``姓名#编号``."""
    import random

    from openpyxl import Workbook

    rng = random.Random(13)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("讲题导入")
    sheet.append(
        [
            "讲题",
            "授课教师",
            "学科类别",
            "教学形式",
            "适用对象",
            "课时",
            "关键词",
            "内容简介",
            "状态",
            "共享范围",
        ]
    )
    categories = ["马克思主义理论", "党史党建", "政治与法治", "经济发展", "社会治理", "文化建设", "生态文明"]
    forms, audiences = (
        ["专题讲授", "现场教学", "案例教学", "研讨式教学"],
        ["主体班", "中青班", "初任培训", "师资培训"],
    )
    for i in range(rows):
        subject = rng.choice(SUBJECTS)
        pk, name = rng.choice(teachers)
        sheet.append(
            [
                f"{subject}{rng.choice(ANGLES)}——{rng.choice(PLACES)}实践（{i + 1}）",
                f"{name}#{pk}",
                rng.choice(categories),
                rng.choice(forms),
                "、".join(rng.sample(audiences, 2)),
                rng.choice([1.5, 2, 3, 4]),
                f"{subject}、{rng.choice(SUBJECTS)}",
                f"本讲围绕{subject}，结合{rng.choice(PLACES)}实践，讲清政策脉络与实践路径。",
                rng.choice(["发布", "草稿"]),
                rng.choice(["本系统", "全网", "本校", "公开"]),
            ]
        )
    workbook.save(path)


def _bench_school(code: str):
    from yiwang.network.models import School

    return School.objects.get_or_create(
        code=code,
        defaults={
            "name": f"基准测试导入党校{code}",
            "short_name": "导入",
            "level": "county",
            "province": "广东省",
        },
    )[0]


def measure_import(bank: str, rows: int, listeners: str) -> None:
    """Migrate + demo, write the file, then import it in a child process and report its wall
    time, CPU time (user + system) and peak RSS, with the load average, and whether the
    planner has statistics for the bank's table afterwards (issue 12 part 1)."""
    setup_django()
    from django.core.management import call_command

    from yiwang.faculty.models import Teacher
    from yiwang.network.models import School

    call_command("migrate", verbosity=0)
    if not School.objects.exists():  # a database that has the demo already keeps it
        call_command("demo", quiet=True, verbosity=0)
    path = Path(f"/tmp/yiwang_{bank}s_{rows}.xlsx")
    start = time.perf_counter()
    if not path.exists():
        if bank == "teacher":
            write_teacher_file(path, rows)
        else:
            teachers = list(
                Teacher.objects.filter(is_active=True).order_by("pk").values_list("pk", "name")[:100]
            )
            write_topic_file(path, rows, teachers)
    print(
        f"file: {rows} rows ({path.stat().st_size / 1048576:.1f} MB) ready in {time.perf_counter() - start:.1f}s"
    )
    code = f"bench-{bank}-{listeners}"
    _bench_school(code)
    if listeners == "on":  # exactly what a person at the server types
        command = [
            str(VENV_BIN / "yiwang"),
            "import",
            bank,
            str(path),
            "--school",
            code,
            "--on-duplicate",
            "skip",
        ]
    else:  # the same command in a process whose search-index listeners are detached
        command = [sys.executable, __file__, "_import_once", bank, str(path), code]
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # DEBUG off as in production (the worker): with DEBUG on, Django keeps the text of the
    # last 9 000 queries, i.e. every multi-megabyte bulk INSERT of the import.
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "DEBUG": "0"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(result.stdout.strip() or result.stderr.strip()[-800:])
    print(
        f"import of {rows} {bank} rows through `yiwang import` (search listeners {listeners}): "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU (user+system, incl. start-up), peak RSS {after.ru_maxrss / 1024:.0f} MB; "
        f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after",
        flush=True,
    )
    table = {"teacher": "faculty_teacher", "topic": "topics_topic"}[bank]
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            stats = (
                cursor.fetchone()[0]
                and cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table]).fetchone()[0]
            )
        else:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table]
            )
            stats = cursor.fetchone()[0]
    print(f"planner statistics for {table} after the import: {'yes' if stats else 'NO'}")


def import_once(bank: str, path: str, school_code: str) -> None:
    """``yiwang import`` in this process with the search-index listeners detached, so the figure
    is the bank import itself (check every row + write + commit + statistics)."""
    setup_django()
    from django.core.management import call_command

    from yiwang.core import indexing

    indexing._changed.clear()
    indexing._bulk_changed.clear()
    start, cpu_start = time.perf_counter(), time.process_time()
    call_command("import", bank, path, "--school", school_code, "--on-duplicate", "skip")
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
    parser.add_argument("--bank", choices=["teacher", "topic"], default="teacher")
    parser.add_argument("--listeners", choices=["off", "on"], default="off")
    args = parser.parse_args(argv)
    if args.what == "_import_once":
        import_once(*args.extra)
    elif args.what == "lists":
        measure_lists(args.requests, args.port)
    elif args.what == "queries":
        measure_queries()
    else:
        measure_import(args.bank, args.rows, args.listeners)


if __name__ == "__main__":
    sys.exit(main())

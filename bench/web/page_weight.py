"""Transferred bytes per main page, first visit (issue 17): HTML as sent plus its CSS/JS.

Builds the demo network in its own SQLite database under data/bench/page-weight/, signs in
as a demo branch-school staff member with Django's test client (gzip accepted) and sizes
each page's HTML as sent and each stylesheet/script it references gzip-compressed (as
WhiteNoise serves them pre-compressed in production). "Before" is the same page with the
HTML uncompressed and the full ECharts bundle (the state before issue 17).

    .venv/bin/python bench/web/page_weight.py
"""

import gzip
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "bench" / "page-weight"
shutil.rmtree(DATA, ignore_errors=True)
DATA.mkdir(parents=True)
os.environ["YIWANG_DATA_DIR"] = str(DATA)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.test")
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

PAGES = [
    ("登录", "/accounts/login/", False),
    ("首页", "/", True),
    ("师资库列表", "/faculty/", True),
    ("教师详情", None, True),
    ("课程库列表", "/courses/", True),
    ("课程表（周）", "/classes/?view=week", True),
    ("搜索", "/search/?q=乡村振兴", True),
    ("数据概览", "/dashboards/", True),
]
FULL_ECHARTS = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def asset_bytes(html: str) -> tuple[int, int]:
    now = before = 0
    for url in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html):
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        size = gz(Path(path).read_bytes())
        now += size
        before += gz(FULL_ECHARTS.read_bytes()) if "echarts" in url else size
    return now, before


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    from yiwang.faculty.models import Teacher

    client = Client(headers={"accept-encoding": "gzip"})
    rows = []
    for name, path, signed_in in PAGES:
        if signed_in and not client.session.get("_auth_user_id"):
            client.post("/accounts/login/", {"username": "gz-panyu-staff", "password": "Yiwang@2026"})
        if path is None:
            path = f"/faculty/{Teacher.objects.filter(owner_school__code='gz-panyu').first().pk}/"
        response = client.get(path)
        raw = response.content
        sent = len(raw)
        html = gzip.decompress(raw).decode() if response.get("Content-Encoding") == "gzip" else raw.decode()
        assets_now, assets_before = asset_bytes(html)
        rows.append(
            (
                name,
                path,
                len(html.encode()),
                sent,
                assets_before,
                assets_now,
                response.get("Cache-Control", "—"),
            )
        )
    print("| 页面 | 路径 | HTML 原始 | HTML 传输 | 之前合计 | 现在合计 | Cache-Control |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, path, html_raw, html_sent, before, now, cache in rows:
        print(
            f"| {name} | `{path}` | {html_raw / 1024:.1f} KiB | {html_sent / 1024:.1f} KiB "
            f"| {(html_raw + before) / 1024:.1f} KiB | {(html_sent + now) / 1024:.1f} KiB | `{cache}` |"
        )


if __name__ == "__main__":
    main()

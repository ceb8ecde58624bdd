"""Search latency over the real server: a fixed mix of 100 queries at 2 concurrent connections.

    DATABASE_URL=... .venv/bin/python bench/search/run.py [--rounds 3] [--port 8765]

Starts ``yiwang serve`` (gunicorn, production settings) on loopback against the
database of DATABASE_URL (built by ``generate.py``), signs requests with a personal
API token of the demo user ``gz-staff``, and measures:

* HTTP: p50/p95/max of ``GET /api/v1/search`` for the mix, 2 client threads with keep-alive;
* raw: the index queries alone (facets + ranked page, with the same visibility
  condition) for the same queries, in this process, on one connection;
* the ratio HTTP p50 / raw p50.

Prints one JSON object (also written to ``--out``).
"""

import argparse
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from yiwang.accounts.models import User  # noqa: E402
from yiwang.accounts.services import create_api_token  # noqa: E402
from yiwang.core.demo_names import unique_names  # noqa: E402
from yiwang.faculty.services import name_pinyin  # noqa: E402
from yiwang.network.models import School  # noqa: E402
from yiwang.network.visibility import visible_to  # noqa: E402
from yiwang.search.backends import backend  # noqa: E402
from yiwang.search.models import SearchDocument  # noqa: E402
from yiwang.search.query import parse_query  # noqa: E402
from yiwang.search.segmentation import segmenter  # noqa: E402
from yiwang.search.selectors import PAGE_SIZE, _phrase_condition, _query_filters, clean_filters  # noqa: E402


def query_mix() -> list[dict]:
    """100 queries: common and rare words, compounds, names, pinyin, initials, phrases, facets, misses."""
    names = unique_names(20000, seed=7)
    gz = School.objects.get(code="gz").pk
    common = ["发展", "治理", "建设", "实践", "创新", "乡村振兴", "高质量发展", "基层治理", "党建", "经济"]
    rare = [
        "低空经济",
        "数据要素",
        "枫桥经验",
        "接诉即办",
        "碳达峰碳中和",
        "绝壁天渠",
        "海洋强国",
        "舆情应对",
        "人口老龄化",
        "一带一路",
    ]
    compounds = [
        "新质生产力",
        "百千万工程",
        "粤港澳大湾区",
        "中国式现代化",
        "全面从严治党",
        "营商环境",
        "数字政府",
        "红色文化",
        "县域经济",
        "法治政府",
    ]
    subwords = ["振兴", "生产力", "湾区", "智库", "红色", "咨政", "治党", "城镇化", "集体经济", "开放"]
    people = names[100:120]
    pinyin = [name_pinyin(n)[0] for n in names[200:210]]
    initials = [name_pinyin(n)[1] for n in names[300:305]]
    phrases = ['"乡村振兴的实践路径"', '"基层治理"', '"新发展格局"', "“数字经济”", '"红色资源"']
    multi = [
        "乡村振兴 基层治理",
        "新质生产力 科技创新",
        "广州 百千万工程",
        "生态文明 绿水青山",
        "数字政府 营商环境",
        "南沙 对外开放",
        "党史学习教育 理想信念",
        "城市治理 网格化管理",
        "毕节 对口支援",
        "共同富裕 县域经济",
    ]
    misses = ["火星探测", "量子纠缠", "深海采矿 冰川"]
    queries = [
        {"q": q}
        for q in common + rare + compounds + subwords + people + pinyin + initials + phrases + multi + misses
    ]
    facets = [
        {"q": "乡村振兴", "type": "topic"},
        {"q": "治理", "school": gz},
        {"q": "发展", "year": 2020},
        {"q": "新质生产力", "type": "output"},
        {"q": "基层治理", "category": "社会治理"},
        {"q": "高质量发展", "type": "project", "year": 2018},
        {"q": "红色文化", "school": gz, "type": "topic"},
    ]
    queries += facets
    return queries[:100]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def raw_times(viewer, queries: list[dict]) -> list[float]:
    """The index queries alone, as search_visible_to runs them (ranked page + facets, fallback)."""
    index = backend()
    seg = segmenter()
    times = []
    for params in queries:
        filters = clean_filters(**{k: v for k, v in params.items() if k != "q"})
        parsed = parse_query(params["q"], seg)
        started = time.perf_counter()
        condition, _ = _query_filters(parsed)
        visible = visible_to(SearchDocument.objects.all(), viewer).filter(**filters).filter(condition)
        documents = visible
        for phrase in parsed.phrases:
            documents = documents.filter(_phrase_condition(phrase))
        found = index.search(documents, parsed.groups, parsed.min_match, PAGE_SIZE, 0, filters)
        if not found.total and (len(parsed.groups) > 1 or parsed.phrases):
            index.search(visible, parsed.groups, 1, PAGE_SIZE, 0, filters)
        times.append((time.perf_counter() - started) * 1000)
    return times


def http_times(
    port: int, key: str, queries: list[dict], rounds: int, concurrency: int = 2
) -> tuple[list[float], int]:
    work: queue.Queue = queue.Queue()
    for _ in range(rounds):
        for params in queries:
            work.put(params)
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                params = work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            conn.request(
                "GET", "/api/v1/search?" + urlencode(params), headers={"Authorization": f"Bearer {key}"}
            )
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                times.append(elapsed)
                if response.status != 200:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def wait_for(port: int) -> None:
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("服务器未能启动")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    viewer = User.objects.get(username="gz-staff")
    _, key = create_api_token(user=viewer, name="search-bench")
    queries = query_mix()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="yiwang.settings.production",
        SECRET_KEY="bench-only-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="false",  # plain HTTP on loopback, as behind a TLS proxy
        LOG_LEVEL="ERROR",
    )
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/yiwang"), "serve", "--port", str(args.port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(args.port)
        http_times(args.port, key, queries, 1)  # warm-up: dictionaries loaded, caches filled
        times, errors = http_times(args.port, key, queries, args.rounds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: gunicorn's graceful stop can take longer
            server.kill()
            server.wait()
    raw_times(viewer, queries)  # warm-up
    raw = [t for _ in range(args.rounds) for t in raw_times(viewer, queries)]
    documents = SearchDocument.objects.count()
    result = {
        "vendor": connection.vendor,
        "documents": documents,
        "queries": len(queries),
        "rounds": args.rounds,
        "concurrency": 2,
        "http_errors": errors,
        "http_ms": {
            "p50": round(statistics.median(times), 1),
            "p95": round(percentile(times, 95), 1),
            "max": round(max(times), 1),
        },
        "raw_ms": {
            "p50": round(statistics.median(raw), 1),
            "p95": round(percentile(raw, 95), 1),
            "max": round(max(raw), 1),
        },
    }
    result["ratio_p50"] = round(result["http_ms"]["p50"] / max(result["raw_ms"]["p50"], 0.01), 2)
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

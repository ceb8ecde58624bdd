"""Generate a large bank: 100 k teachers and 1 M topics on top of the demo network.

    DATABASE_URL=sqlite:////tmp/yiwang_bench.sqlite3 .venv/bin/python bench/banks/generate.py --topics 1000000

Bulk inserts straight through the database cursor (executemany in chunks), realistic Chinese
text composed from word lists, deterministic (seeded). Not run by the tests.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from yiwang.core.demo_names import fictional_name  # noqa: E402
from yiwang.faculty.services import name_pinyin  # noqa: E402
from yiwang.network.models import School  # noqa: E402

CHUNK = 20_000
SUBJECTS = [
    "百千万工程",
    "乡村振兴",
    "高质量发展",
    "基层治理",
    "党史学习教育",
    "数字经济",
    "粤港澳大湾区",
    "新质生产力",
    "两个确立",
    "全面从严治党",
    "城市更新",
    "营商环境",
    "生态文明",
    "共同富裕",
    "法治政府",
    "应急管理",
    "科技创新",
    "县域经济",
    "红色资源",
    "文化强省",
    "数据要素",
    "城乡融合",
    "对口支援",
    "区域协作",
]
ANGLES = [
    "的理论逻辑与实践路径",
    "的广东探索",
    "的现场教学",
    "中的领导干部担当",
    "的案例分析",
    "的机制创新",
    "的历史经验",
    "与基层实践",
    "的重点任务",
    "的问题与对策",
    "的方法论",
    "的国际比较",
]
PLACES = ["广州", "番禺", "南沙", "天河", "梅州", "清远", "叙永", "古蔺", "毕节", "波密", "疏附", "龙岩"]
DEPARTMENTS = [
    "党史党建教研部",
    "经济学教研部",
    "公共管理教研部",
    "法学教研部",
    "文史教研部",
    "领导科学教研部",
]
SCOPES = ["system", "system", "network", "network", "network", "school", "public", "partners"]
FORMS = ["lecture", "field", "case", "seminar", "simulation", "interview", "experience"]
CATEGORIES = ["theory", "party", "politics", "economy", "governance", "culture", "ecology", "leadership"]
AUDIENCES = ["main", "young", "seminar", "induction", "faculty", "other"]


def chunks(rows_iter, size=CHUNK):
    batch = []
    for row in rows_iter:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert(table: str, columns: list[str], rows_iter) -> int:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    total = 0
    with connection.cursor() as cursor:
        for batch in chunks(rows_iter):
            with transaction.atomic():
                cursor.executemany(sql, batch)
            total += len(batch)
    return total


def db_stamp(moment: datetime):
    """SQLite stores Django datetimes as naive UTC text; PostgreSQL takes aware datetimes."""
    if connection.vendor == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def generate(teachers: int, topics: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    schools = list(School.objects.values_list("pk", flat=True))
    now = datetime.now(UTC)
    start = time.perf_counter()
    first_teacher = max_id("faculty_teacher") + 1

    def teacher_rows():
        for i in range(teachers):
            name = fictional_name(rng)
            pinyin, initials = name_pinyin(name)
            stamp = db_stamp(now - timedelta(minutes=rng.randint(0, 3 * 525600)))
            yield (
                first_teacher + i,
                stamp,
                stamp,
                rng.choice(SCOPES[:-1]),
                name,
                pinyin,
                initials,
                rng.choice(["male", "female"]),
                rng.choice(["professor", "associate", "lecturer", "assistant"]),
                "",
                rng.choice(DEPARTMENTS),
                "、".join(rng.sample(SUBJECTS, 2)),
                "",
                f"139{rng.randint(10000000, 99999999)}",
                f"{pinyin}{i}@example.cn",
                False,
                "",
                "",
                True,
                rng.choice(schools),
            )

    n = insert(
        "faculty_teacher",
        [
            "id",
            "created_at",
            "updated_at",
            "scope",
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "title",
            "position",
            "department",
            "expertise",
            "bio",
            "phone",
            "email",
            "is_invited",
            "employer",
            "post",
            "is_active",
            "owner_school_id",
        ],
        teacher_rows(),
    )
    print(f"teachers: {n} in {time.perf_counter() - start:.1f}s", flush=True)
    teacher_school = _teacher_school(first_teacher)
    by_school: dict[int, list[int]] = {}
    for pk, school in teacher_school.items():
        by_school.setdefault(school, []).append(pk)

    first_topic = max_id("topics_topic") + 1
    lead_of: dict[int, int] = {}
    audiences_of: list[tuple[int, str]] = []  # 适用对象 live in their own table (topics_topicaudience)

    def topic_rows():
        for i in range(topics):
            school = rng.choice(schools)
            pool = by_school.get(school)
            if not pool:
                school = rng.choice(list(by_school))
                pool = by_school[school]
            lead_of[first_topic + i] = rng.choice(pool)
            audiences_of.extend((first_topic + i, a) for a in rng.sample(AUDIENCES, rng.randint(1, 3)))
            subject = rng.choice(SUBJECTS)
            title = f"{subject}{rng.choice(ANGLES)}——{rng.choice(PLACES)}实践（{i % 97 + 1}）"
            stamp = db_stamp(now - timedelta(minutes=rng.randint(0, 3 * 525600)))
            status = "retired" if i % 50 == 0 else ("draft" if i % 9 == 0 else "published")
            scope = rng.choice(SCOPES)
            if scope == "partners":
                scope = "system"  # the 协作 links would need per-school alliances; keep the generator simple
            yield (
                first_topic + i,
                stamp,
                stamp,
                scope,
                title,
                f"本讲围绕{subject}，结合{rng.choice(PLACES)}实践，讲清政策脉络与实践路径。",
                "",
                rng.choice(CATEGORIES),
                rng.choice(FORMS),
                rng.choice([1.5, 2, 3, 3, 4]),
                f"{subject}、{rng.choice(SUBJECTS)}",
                status,
                None,
                school,
            )

    n = insert(
        "topics_topic",
        [
            "id",
            "created_at",
            "updated_at",
            "scope",
            "title",
            "summary",
            "outline",
            "category",
            "form",
            "hours",
            "keywords",
            "status",
            "module_id",
            "owner_school_id",
        ],
        topic_rows(),
    )
    print(f"topics: {n} in {time.perf_counter() - start:.1f}s", flush=True)
    n = insert("topics_topic_teachers", ["topic_id", "teacher_id"], iter(lead_of.items()))
    print(f"topic teachers: {n} in {time.perf_counter() - start:.1f}s", flush=True)
    n = insert("topics_topicaudience", ["topic_id", "audience"], iter(audiences_of))
    print(f"topic audiences: {n} in {time.perf_counter() - start:.1f}s", flush=True)
    # No ANALYZE here (issue 12 part 1): the benchmarks measure the state a user is in — the
    # application refreshes the planner statistics itself after an import or demo load and when
    # `yiwang serve` starts, which is what `measure.py lists` runs.
    print(f"done in {time.perf_counter() - start:.1f}s", flush=True)


def _teacher_school(first_teacher: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, owner_school_id FROM faculty_teacher WHERE id >= %s", [first_teacher])
        return dict(cursor.fetchall())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    call_command("demo", quiet=True, verbosity=0)
    generate(args.teachers, args.topics)


if __name__ == "__main__":
    sys.exit(main())

"""What the first search of a process pays to load the dictionary, and a reload after new teachers.

    .venv/bin/python bench/search/segmenter_load.py [--names 100000] [--repeat 3]

In-process, no database: builds the segmenter from ``--names`` synthetic Chinese names (the
shape of the 100 k-teacher bench network) and reports process CPU time for
* *eager* — the dictionary plus every name's pinyin keys, as the loader did before issue 11 part 8;
* *lazy* — the dictionary only (pinyin keys are built on the first Latin query, reported apart);
* *reload* — a rebuild after 100 new teachers, with the names already cleaned in this process.
Caches are cleared before every cold measurement. Not run by the tests.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.test")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "慕容"]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉宏斌海波鹏辉春夏秋冬东南西北文武德仁"


def names(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    result = []
    for _ in range(n):
        surname = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
        result.append(surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))))
    return result


def cpu(fn) -> float:
    started = time.process_time()
    fn()
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from yiwang.search import segmentation as seg

    people = names(args.names)
    words, groups = seg.domain_words(), seg.synonym_groups_shipped()
    warm = seg.Segmenter(words, names=people[:10], synonym_groups=groups)
    assert warm.pinyin  # imports and pypinyin's dictionaries, outside the figures

    def cold():
        seg.pinyin_keys.cache_clear()
        seg.clean_name.cache_clear()

    def build(names_):
        return seg.Segmenter(words, names=names_, synonym_groups=groups)

    more = people + names(100, seed=99)
    figures = {"eager": [], "lazy": [], "first Latin query": [], "reload +100": []}
    for _ in range(args.repeat):
        cold()
        figures["eager"].append(cpu(lambda: build(people).pinyin))
        cold()
        started = time.process_time()
        built = build(people)
        figures["lazy"].append((time.process_time() - started) * 1000)
        started = time.process_time()
        built.pinyin_name("zhang wei guo")
        figures["first Latin query"].append((time.process_time() - started) * 1000)
        figures["reload +100"].append(cpu(lambda: build(more)))
    print(f"{args.names} names ({len(set(people))} distinct), load average {os.getloadavg()[0]:.1f}:")
    for name, values in figures.items():
        print(
            f"  {name:18} CPU median {statistics.median(values):8.0f} ms  ({', '.join(f'{v:.0f}' for v in values)})"
        )


if __name__ == "__main__":
    main()

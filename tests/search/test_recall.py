"""The labelled query set: recall@10 ≥ 0.9 over the corpus (names, pinyin, initials, sub-words,
compounds, phrases, several words, misses). Runs on SQLite and on PostgreSQL."""

import pytest

from yiwang.search.selectors import search_visible_to

# query → the corpus items (attribute names) that must be in the top 10; [] = must find nothing.
LABELLED = [
    # names
    ("张宏伟", ["zhang"]),
    ("李晓红", ["li"]),
    ("陈志强", ["chen"]),
    ("王丽娟", ["wang"]),
    ("刘建国", ["liu"]),
    ("黄思源", ["huang"]),
    ("周雅琳", ["zhou"]),
    ("曾凡华", ["zeng"]),
    # full pinyin (also with a space), initials
    ("zhanghongwei", ["zhang"]),
    ("lixiaohong", ["li"]),
    ("chenzhiqiang", ["chen"]),
    ("zengfanhua", ["zeng"]),
    ("zhang hongwei", ["zhang"]),
    ("zhw", ["zhang"]),
    ("lxh", ["li"]),
    ("czq", ["chen"]),
    ("zyl", ["zhou"]),
    # names find the items of the teacher too
    ("张宏伟 乡村振兴", ["p_rural", "zhang"]),
    ("zhw 治理", ["p_gov"]),
    ("欧阳明", ["o_gba"]),
    # sub-words of compounds
    ("振兴", ["p_rural", "o_rural"]),
    ("生产力", ["p_npf", "o_npf"]),
    ("湾区", ["p_gba"]),
    ("咨政", ["o_npf"]),
    ("新质", ["p_npf"]),
    ("红色", ["p_red", "p_history"]),
    ("薪火", ["c_field"]),
    ("智库", ["r_tank"]),
    # compounds and domain words
    ("乡村振兴", ["p_rural", "o_rural", "zhang"]),
    ("百千万工程", ["p_rural", "r_bqw", "wu"]),
    ("新质生产力", ["p_npf", "o_npf", "chen"]),
    ("粤港澳大湾区", ["p_gba", "o_gba", "c_port"]),
    ("两个确立", ["p_two"]),
    ("现场教学", ["c_field", "c_port"]),
    ("基层治理", ["p_gov", "r_grid"]),
    ("高质量发展", ["p_npf", "p_county"]),
    ("网格化管理", ["p_grid", "zhou"]),
    ("营商环境", ["p_digital"]),
    ("法治政府", ["p_law", "huang"]),
    ("咨政报告", ["o_npf"]),
    ("黄埔军校", ["c_field"]),
    # phrases
    ('"基层治理现代化"', ["p_gov"]),
    ("“红色文化资源”", ["p_red"]),
    ('"县域经济"', ["p_county", "wu"]),
    # several words (all must match)
    ("乡村振兴 基层治理", ["p_rural"]),
    ("广州 乡村振兴", ["p_rural"]),
    ("人工智能 数字经济", ["c_ai"]),
    # misses
    ("火星探测", []),
    ("量子力学", []),
]


def test_labelled_set_has_at_least_forty_queries():
    assert len(LABELLED) >= 40


@pytest.mark.django_db
def test_recall_at_10_is_at_least_90_percent(corpus, city_viewer):
    expected_total = found_total = 0
    misses_wrong = []
    failures = []
    for query, expected in LABELLED:
        results = search_visible_to(city_viewer, query)
        top = {(hit.type, hit.id) for hit in results.hits[:10]}
        if not expected:
            expected_total += 1
            if results.total == 0:
                found_total += 1
            else:
                misses_wrong.append(query)
            continue
        for name in expected:
            item = getattr(corpus, name)
            key = (_type_of(item), item.pk)
            expected_total += 1
            if key in top:
                found_total += 1
            else:
                failures.append((query, name))
    recall = found_total / expected_total
    print(
        f"recall@10 = {recall:.3f} over {len(LABELLED)} queries ({expected_total} expectations); missed {failures}"
    )
    assert recall >= 0.9, (
        f"recall@10 = {recall:.3f}; missed {failures}; misses that found something {misses_wrong}"
    )


def _type_of(item) -> str:
    return {
        "Teacher": "teacher",
        "Topic": "topic",
        "Course": "course",
        "ResearchProject": "project",
        "ResearchOutput": "output",
    }[type(item).__name__]

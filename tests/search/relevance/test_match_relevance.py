"""Teacher matching by meaning (issue 11 part 9), measured on a labelled set of needs: nDCG@5 and
the share of needs with no relevant teacher in the top 5, with and without the concept table.
Runs on SQLite and PostgreSQL. The figures are printed (``-s``) for docs/performance.md."""

import math

import pytest
from tests.factories import member

from yiwang.search.selectors import match_teachers
from yiwang.search.services import rebuild_index

from . import corpus
from .match_judgments import MATCH_NEEDS

pytestmark = pytest.mark.django_db
K = 5


def ndcg_at_k(ranked: list[str], grades: dict[str, int]) -> float:
    def dcg(gains):
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:K]))

    return dcg([grades.get(key, 0) for key in ranked]) / dcg(sorted(grades.values(), reverse=True))


def evaluate(network) -> dict[bool, list[tuple[str, float, list[str]]]]:
    loaded = corpus.load(network)
    rebuild_index()
    by_teacher = {doc_id: key for key, (doc_type, doc_id) in loaded.keys.items() if doc_type == "teacher"}
    viewer = member(network.city, is_teacher=True)
    runs = {}
    for concepts in (False, True):
        runs[concepts] = []
        for need, grades in MATCH_NEEDS:
            ranked = [
                by_teacher.get(t.id, f"?{t.id}")
                for t in match_teachers(viewer, need, concepts=concepts).teachers
            ]
            runs[concepts].append((need, ndcg_at_k(ranked, grades), ranked[:K]))
    return runs


def test_matching_by_meaning_on_the_labelled_needs(network, capsys):
    runs = evaluate(network)
    summary = {}
    for concepts, rows in runs.items():
        mean = sum(score for _, score, _ in rows) / len(rows)
        missed = [need for need, score, _ in rows if score == 0]
        summary[concepts] = (round(mean, 3), len(missed) / len(rows), missed)
    with capsys.disabled():
        for concepts, (mean, miss_rate, missed) in summary.items():
            label = "with concepts" if concepts else "words only"
            print(
                f"\nmatching {label}: nDCG@5 {mean:.3f}, needs without a relevant teacher {miss_rate:.0%} {missed}"
            )
    with_concepts, words_only = summary[True], summary[False]
    assert with_concepts[0] >= 0.85, runs[True]
    assert with_concepts[1] == 0, with_concepts[2]
    assert with_concepts[0] > words_only[0]


def test_a_related_concept_ranks_below_the_literal_match(network):
    """A teacher whose items say the need's words outranks one found only through a related concept."""
    from tests.factories.search import index, make_teacher

    literal = make_teacher(network.city, "字面老师", expertise="社会治理")
    related = make_teacher(network.city, "相关老师", expertise="网格化管理")
    index(literal, related)
    result = match_teachers(member(network.city, is_teacher=True), "社会治理")
    names = [t.name for t in result.teachers]
    assert names.index("字面老师") < names.index("相关老师")
    found = next(t for t in result.teachers if t.name == "相关老师")
    assert (found.matched, found.related) == ([], ["社会治理"])
    assert found.evidence[0].related == ["网格化管理"]
    assert [
        t.name
        for t in match_teachers(member(network.city, is_teacher=True), "社会治理", concepts=False).teachers
    ] == ["字面老师"]

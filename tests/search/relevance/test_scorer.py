"""The scorer itself, on hand-computed cases."""

import math

from .scorer import ndcg, reciprocal_rank, score


def test_ndcg_of_a_perfect_and_a_swapped_ranking():
    grades = {"a": 3, "b": 1}
    assert ndcg(["a", "b"], grades) == 1.0
    ideal = 7 + 1 / math.log2(3)
    assert math.isclose(ndcg(["b", "a"], grades), (1 + 7 / math.log2(3)) / ideal)
    assert ndcg(["x", "y"], grades) == 0.0


def test_a_query_without_relevant_items_scores_one_only_when_nothing_is_returned():
    assert ndcg([], {}) == 1.0
    assert ndcg(["a"], {}) == 0.0
    assert ndcg([], {"a": 0}) == 1.0


def test_reciprocal_rank_counts_the_first_item_graded_two_or_more():
    assert reciprocal_rank(["x", "b", "a"], {"a": 3, "b": 1}) == 1 / 3
    assert reciprocal_rank(["x", "b"], {"b": 1}) == 1 / 2


def test_score_per_kind_and_zero_results():
    runs = [
        ("name", "q1", {"a": 3}, ["a"]),
        ("name", "q2", {"a": 3}, []),
        ("no_relevant", "q3", {}, []),
    ]
    scores = score(runs)
    assert (scores["name"].ndcg, scores["name"].mrr, scores["name"].zero) == (0.5, 0.5, 1)
    assert (scores["all"].queries, scores["all"].with_relevant, scores["all"].zero) == (3, 2, 1)
    assert scores["no_relevant"].ndcg == 1.0

"""nDCG@10, MRR and the zero-result rate of a ranked list against graded judgments, per kind."""

import math
from collections import defaultdict
from dataclasses import dataclass, field

K = 10


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:K]))


def ndcg(ranked: list[str], grades: dict[str, int]) -> float:
    """1.0 for a query without relevant items when nothing is returned, else 0.0."""
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True))
    if ideal == 0:
        return 1.0 if not ranked else 0.0
    return dcg([grades.get(key, 0) for key in ranked]) / ideal


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    """1/rank of the first item graded 2 or more (or, without such items, of any positive one)."""
    threshold = 2 if any(g >= 2 for g in grades.values()) else 1
    for i, key in enumerate(ranked[:K]):
        if grades.get(key, 0) >= threshold:
            return 1 / (i + 1)
    return 0.0


@dataclass
class KindScore:
    queries: int = 0
    ndcg: float = 0.0
    mrr: float = 0.0
    zero: int = 0  # queries with relevant items and no result
    with_relevant: int = 0
    failures: list[str] = field(default_factory=list)


def score(runs: list[tuple[str, str, dict[str, int], list[str]]]) -> dict[str, KindScore]:
    """``runs``: (kind, query, grades, ranked keys). Returns per-kind means plus ``"all"``."""
    kinds: dict[str, KindScore] = defaultdict(KindScore)
    for kind, query, grades, ranked in runs:
        for name in (kind, "all"):
            s = kinds[name]
            s.queries += 1
            value = ndcg(ranked, grades)
            s.ndcg += value
            if any(g > 0 for g in grades.values()):
                s.with_relevant += 1
                s.mrr += reciprocal_rank(ranked, grades)
                s.zero += not ranked
            if value < 0.8 and name != "all":
                s.failures.append(f"{query} → {ranked[:5]} ({value:.2f})")
    for s in kinds.values():
        s.ndcg /= s.queries
        s.mrr = s.mrr / s.with_relevant if s.with_relevant else 1.0
    return dict(kinds)


def table(scores: dict[str, KindScore]) -> str:
    """A Markdown table: kind | queries | nDCG@10 | MRR | zero-result rate."""
    lines = ["| kind | queries | nDCG@10 | MRR | zero results |", "|---|---|---|---|---|"]
    for name, s in scores.items():
        zero = f"{100 * s.zero / s.with_relevant:.0f} %" if s.with_relevant else "–"
        lines.append(f"| {name} | {s.queries} | {s.ndcg:.2f} | {s.mrr:.2f} | {zero} |")
    return "\n".join(lines)

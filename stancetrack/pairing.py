"""Greedy one-to-one pairing by score: the one way two lists of claims are paired, used by
`eval` (evaluation/matching.py: predicted with gold, by span overlap) and `diff`
(analysis/diff.py: article A's claims with B's, by text similarity).

Best score first, ties to the lower left index and then the lower right one; each item is
used at most once. Greedy, not optimal (Hungarian): a pair is explained by its own score,
which is what a reader of either report checks.
"""

from __future__ import annotations

from collections.abc import Iterable

Scored = tuple[float, int, int]  # (score, left index, right index)


def best_first(scores: Iterable[Scored]) -> list[Scored]:
    """The candidates in the order pairing takes them."""
    return sorted(scores, key=lambda s: (-s[0], s[1], s[2]))


def greedy_pairs(scores: Iterable[Scored], *, at_least: float | None = None) -> list[Scored]:
    """One-to-one pairs (score, left, right), best first; scores under `at_least` never pair."""
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs: list[Scored] = []
    for score, left, right in best_first(scores):
        if at_least is not None and score < at_least:
            break
        if left in used_left or right in used_right:
            continue
        used_left.add(left)
        used_right.add(right)
        pairs.append((score, left, right))
    return pairs

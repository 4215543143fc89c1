"""Greedy one-to-one pairing (stancetrack/pairing.py), the one used by eval and diff."""

from __future__ import annotations

from stancetrack.pairing import best_first, greedy_pairs


def test_best_score_first_each_side_used_once() -> None:
    scores = [(0.5, 0, 0), (0.9, 0, 1), (0.8, 1, 1), (0.4, 1, 0)]
    # (0, 1) takes 0 and 1 first; (1, 1) is then blocked, (1, 0) is what is left for 1
    assert greedy_pairs(scores) == [(0.9, 0, 1), (0.4, 1, 0)]


def test_greedy_not_optimal() -> None:
    # the optimum pairs 0-1 and 1-0 (1.6); greedy takes the single best pair and stops
    scores = [(1.0, 0, 0), (0.8, 0, 1), (0.8, 1, 0), (0.0, 1, 1)]
    assert greedy_pairs(scores, at_least=0.5) == [(1.0, 0, 0)]


def test_ties_go_to_the_lower_left_then_right_index() -> None:
    scores = [(0.7, 1, 0), (0.7, 0, 1), (0.7, 0, 0)]
    assert best_first(scores) == [(0.7, 0, 0), (0.7, 0, 1), (0.7, 1, 0)]
    assert greedy_pairs(scores) == [(0.7, 0, 0)]


def test_threshold_is_inclusive() -> None:
    scores = [(60.0, 0, 0), (59.9, 1, 1)]
    assert greedy_pairs(scores, at_least=60.0) == [(60.0, 0, 0)]
    assert greedy_pairs(scores) == [(60.0, 0, 0), (59.9, 1, 1)]
    assert greedy_pairs([]) == []

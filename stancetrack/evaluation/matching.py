"""Pairing predicted claims with gold claims by their content spans.

- **overlap**: a pair is a candidate when the spans share at least one letter or digit;
  candidates are taken greedily by Jaccard (shared characters / characters in either),
  best first, each claim used at most once (one-to-one: stancetrack/pairing.py).
- **exact**: a pair matches when the spans are equal after trimming, on both sides,
  whitespace, quotation marks, trailing punctuation (`.,;:!?`) and a leading "that ".
  A discontinuous gold claim is matched exactly by a prediction equal to one of its
  segments (or to the envelope of all of them).
- **fragments**: an unmatched prediction is a piece of an already matched gold claim (a
  split quote emitted per segment) only when all of these hold: the gold claim is
  discontinuous or runs across paragraphs; the piece does not touch that claim's matched
  prediction; at least 80% of the piece's characters lie inside the gold claim's segments;
  and the piece has the same actor as the matched prediction. It counts as correct for
  precision and adds nothing to recall; reported separately, and counted as an error by
  the strict precision/F1.
"""

from __future__ import annotations

from dataclasses import dataclass

from stancetrack.evaluation.model import GoldClaim, PredictedClaim, Span
from stancetrack.pairing import Scored, best_first, greedy_pairs
from stancetrack.text.folding import fold as _fold

_QUOTES = "\"“”‘’'«»"
# Share of a fragment's characters that must lie inside the gold claim's segments.
_FRAGMENT_INSIDE = 0.8
_TRAIL = ".,;:!?"


@dataclass(frozen=True, slots=True)
class Matching:
    pairs: list[tuple[int, int]]  # (predicted index, gold index)
    fragments: list[int]  # predicted indices


def _inter(span: Span, segments: tuple[Span, ...], text: str) -> int:
    shared = 0
    for s, e in segments:
        lo, hi = max(span[0], s), min(span[1], e)
        if hi > lo:
            shared += hi - lo
    return shared


def _has_word_overlap(span: Span, segments: tuple[Span, ...], text: str) -> bool:
    for s, e in segments:
        lo, hi = max(span[0], s), min(span[1], e)
        if hi > lo and any(ch.isalnum() for ch in text[lo:hi]):
            return True
    return False


def jaccard(span: Span, segments: tuple[Span, ...], text: str) -> float:
    shared = _inter(span, segments, text)
    total = (span[1] - span[0]) + sum(e - s for s, e in segments) - shared
    return shared / total if total > 0 else 0.0


def trim(text: str, span: Span) -> Span:
    s, e = span
    changed = True
    while changed and s < e:
        changed = False
        while s < e and (text[s].isspace() or text[s] in _QUOTES):
            s += 1
            changed = True
        while e > s and (text[e - 1].isspace() or text[e - 1] in _QUOTES + _TRAIL):
            e -= 1
            changed = True
        if text[s:e].lower().startswith("that "):
            s += 5
            changed = True
    return s, e


def match_overlap(text: str, predicted: list[PredictedClaim], gold: list[GoldClaim]) -> Matching:
    candidates: list[Scored] = []
    for pi, p in enumerate(predicted):
        for gi, g in enumerate(gold):
            if p.span[1] <= g.start or g.end <= p.span[0]:
                continue
            if _has_word_overlap(p.span, g.spans, text):
                candidates.append((jaccard(p.span, g.spans, text), pi, gi))
    pairs = [(pi, gi) for _, pi, gi in greedy_pairs(candidates)]
    used_p = {pi for pi, _ in pairs}
    used_g = {gi: pi for pi, gi in pairs}
    fragments = []
    for _, pi, gi in best_first(candidates):
        if pi in used_p or gi not in used_g:
            continue
        g = gold[gi]
        if len(g.spans) < 2 and "\n" not in text[g.start : g.end]:
            continue
        partner = predicted[used_g[gi]]
        piece = predicted[pi]
        if piece.span[0] < partner.span[1] and partner.span[0] < piece.span[1]:
            continue  # overlaps the matched prediction: a duplicate, not a piece
        if _inter(piece.span, g.spans, text) < _FRAGMENT_INSIDE * (piece.span[1] - piece.span[0]):
            continue  # mostly outside the gold claim's segments
        if _fold(piece.actor) != _fold(partner.actor):
            continue  # a piece of one claim has that claim's speaker
        used_p.add(pi)
        fragments.append(pi)
    pairs.sort()
    return Matching(pairs, sorted(fragments))


def match_exact(text: str, predicted: list[PredictedClaim], gold: list[GoldClaim]) -> Matching:
    keys: dict[Span, list[int]] = {}
    for gi, g in enumerate(gold):
        options = {trim(text, seg) for seg in g.spans}
        options.add(trim(text, (g.start, g.end)))
        for key in options:
            keys.setdefault(key, []).append(gi)
    used_g: set[int] = set()
    pairs = []
    for pi, p in enumerate(predicted):
        for gi in keys.get(trim(text, p.span), []):
            if gi not in used_g:
                used_g.add(gi)
                pairs.append((pi, gi))
                break
    return Matching(pairs, [])

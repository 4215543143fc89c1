"""Grounding: find a model's quote in the article text and return its character span.

The model's word is never trusted: a claim is stored only when its quote is located here,
in code, and the stored quote is then the article's own text at `text[start:end]`, so that
invariant holds for every stored claim whatever the model sent.

Three passes, cheapest and strictest first:

1. **exact**: the quote without enclosing quotation marks, then as sent, then also without
   trailing punctuation (models often wrap quotes in marks or add a full stop).
2. **normalized**: both texts mapped to a canonical form, keeping a map back to the original
   offsets: whitespace runs -> one space; curly/straight/low/prime double quotes and
   guillemets -> `"`; curly/straight/prime single quotes, apostrophes and backticks -> `'`;
   hyphens, dashes and the minus sign -> `-`; the ellipsis character -> `...`; soft hyphens
   and zero-width characters dropped; letters lower-cased (case is the one normalisation a
   model changes without changing the words, e.g. at a sentence start).
3. **fuzzy**: rapidfuzz's best partial alignment of the normalised quote in the normalised
   text, snapped to word boundaries, accepted when its similarity (`fuzz.ratio` of quote
   and span, 0-100) is at least `FUZZY_THRESHOLD` (90: a word or two misspelled or a
   dropped article passes; a paraphrase does not). Only quotes of at least
   `FUZZY_MIN_CHARS` normalised characters are aligned fuzzily: for short strings one edit
   is already a different word.

Quotes shorter than `MIN_QUOTE_CHARS` characters or `MIN_QUOTE_WORDS` words are rejected
as unverifiable: a single word ("yes", "NATO") occurs everywhere and proves nothing. Two
words pass (real quotes like "no hurry" are that short) but only by exact or normalised
match.

When the article has several matches, the one inside the claim's chunk window (the part of
the text the model saw) wins, else the first; occurrences already `taken` (grounded for
the same speaker by an earlier claim of the reply) are passed over, so a quote the article
repeats N times grounds N claims at N places, and a claim beyond them is rejected as
`DUPLICATE_QUOTE`, never dropped silently.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

Alignment = Literal["exact", "normalized", "fuzzy"]

FUZZY_THRESHOLD = 90.0
FUZZY_MIN_CHARS = 20
MIN_QUOTE_CHARS = 6
MIN_QUOTE_WORDS = 2

# Stable short rejection reasons (stored on rejected claims; details go alongside).
EMPTY_QUOTE = "empty quote"
QUOTE_TOO_SHORT = "quote too short"
QUOTE_NOT_FOUND = "quote not found in article"
DUPLICATE_QUOTE = "duplicate claim"

Span = tuple[int, int]

_DOUBLE_QUOTES = '"“”„‟″〝〞＂«»'
_SINGLE_QUOTES = "'‘’‚‛′`´‹›"
_DASHES = "-‐‑‒–—―−﹘﹣－"
_DROPPED = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_CHAR_MAP: dict[str, str] = {
    **dict.fromkeys(_DOUBLE_QUOTES, '"'),
    **dict.fromkeys(_SINGLE_QUOTES, "'"),
    **dict.fromkeys(_DASHES, "-"),
    "…": "...",
}
_QUOTE_MARKS = _DOUBLE_QUOTES + _SINGLE_QUOTES
# What may surround a quote without being part of it.
_WRAPPERS = _DOUBLE_QUOTES + _SINGLE_QUOTES + " \t\n"
_TRAILING_PUNCT = ".,;:!?"


@dataclass(frozen=True, slots=True)
class GroundedSpan:
    """Where a quote sits in the article: `text[start:end]` is the quote to store."""

    start: int
    end: int
    alignment: Alignment
    score: float  # 100 for exact and normalised matches, the similarity for fuzzy ones


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a quote could not be grounded: a stable short `reason` and a human `detail`."""

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Normalized:
    """A canonical form of a text and, per character, where it came from."""

    text: str
    starts: list[int]  # original index where the source of each normalised char starts
    ends: list[int]  # original index just past that source


# Characters the canonical form changes other than by plain lower-casing: whitespace runs
# (but a lone space, which stays itself), dropped and mapped characters, and capital sigma
# (whose lower case depends on its neighbours in `str.lower`, so it is mapped one character
# at a time like the others).
_SPECIAL = re.compile(
    r"[^\S ]\s*| \s+|[" + re.escape(_DROPPED + "".join(_CHAR_MAP) + "\u03a3") + "]"
)


def normalize_with_map(text: str) -> Normalized:
    """The canonical form of `text` plus, per output character, its span in `text`.

    Runs of ordinary characters are lower-cased and mapped a run at a time (C speed); only
    the special characters between them are handled one by one. The result is the same as
    mapping every character on its own (tests/test_grounding.py checks this).
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for found in _SPECIAL.finditer(text):
        i, j = found.span()
        if i > pos:
            _plain_run(text, pos, i, out, starts, ends)
        ch = text[i]
        if ch.isspace():
            out.append(" ")
            starts.append(i)
            ends.append(j)
        elif ch not in _DROPPED:
            _one_char(ch, i, out, starts, ends)
        pos = j
    if pos < len(text):
        _plain_run(text, pos, len(text), out, starts, ends)
    return Normalized("".join(out), starts, ends)


def _plain_run(
    text: str, i: int, j: int, out: list[str], starts: list[int], ends: list[int]
) -> None:
    """Characters i..j, none special: lower-cased, one output character each (else one
    by one: a few letters, such as dotted capital I, lower-case to two characters)."""
    run = text[i:j]
    lowered = run.lower()
    if len(lowered) == len(run):
        out.append(lowered)
        starts.extend(range(i, j))
        ends.extend(range(i + 1, j + 1))
        return
    for k in range(i, j):
        _one_char(text[k], k, out, starts, ends)


def _one_char(ch: str, i: int, out: list[str], starts: list[int], ends: list[int]) -> None:
    mapped = _CHAR_MAP.get(ch)
    if mapped is None:
        mapped = ch.lower()
    for m in mapped:
        out.append(m)
        starts.append(i)
        ends.append(i + 1)


def _normalize_plain(text: str) -> str:
    return normalize_with_map(text).text.strip()


def _unwrap(quote: str) -> str:
    """Drop quotation marks that enclose the whole quote (balanced: one at each end)."""
    text = quote.strip()
    while len(text) >= 2 and text[0] in _QUOTE_MARKS and text[-1] in _QUOTE_MARKS:
        text = text[1:-1].strip()
    return text


def _candidates(quote: str) -> list[str]:
    """The quote unwrapped, as sent, then stripped of marks and trailing punctuation.

    The unwrapped form comes first so a direct quote is stored without its enclosing
    quotation marks (the convention of the gold set) even where the article has them; a
    lone mark at one end (a quote cut at a sentence boundary) is kept.
    """
    found: list[str] = []
    bare = quote.strip(_WRAPPERS)
    for variant in (_unwrap(quote), quote, bare.rstrip(_TRAILING_PUNCT).strip(_WRAPPERS)):
        if variant and variant not in found:
            found.append(variant)
    return found


def _pick(spans: Iterator[Span], window: Span | None, taken: Collection[Span]) -> _Pick:
    """The first free span inside the window, else the first free one; and whether any
    span was passed over as taken. Reads the spans lazily: the first fit ends the scan
    unless a window asks for a better one."""
    first_free: Span | None = None
    saw_taken = False
    for span in spans:
        if span in taken:
            saw_taken = True
            continue
        if window is None or (span[0] >= window[0] and span[1] <= window[1]):
            return _Pick(span, saw_taken)
        if first_free is None:
            first_free = span
    return _Pick(first_free, saw_taken)


@dataclass(frozen=True, slots=True)
class _Pick:
    span: Span | None
    saw_taken: bool


def _find_all(haystack: str, needle: str, lo: int = 0, hi: int | None = None) -> Iterator[int]:
    """Every position of `needle` (no cap: an article may repeat a quote 100 times), in
    `haystack[lo:hi]` when given."""
    end = len(haystack) if hi is None else hi
    pos = haystack.find(needle, lo, end)
    while pos != -1:
        yield pos
        pos = haystack.find(needle, pos + 1, end)


def _first_free(spans: Iterator[Span], taken: Collection[Span]) -> Span | None:
    return next((span for span in spans if span not in taken), None)


class ArticleText:
    """One article prepared for grounding many quotes (normalises the text once)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._saw_taken = False  # set by the passes of one `ground` call

    @cached_property
    def normalized(self) -> Normalized:
        """The canonical form of the text (computed once; speaker evidence reads it too)."""
        return normalize_with_map(self.text)

    def ground(
        self,
        quote: str,
        *,
        window: tuple[int, int] | None = None,
        taken: Collection[Span] = (),
    ) -> GroundedSpan | Rejection:
        """Locate `quote` outside the `taken` spans; a span with `text[start:end]` the
        stored quote, or why not."""
        if not quote or not quote.strip():
            return Rejection(EMPTY_QUOTE, "the quote is empty")
        # Length in words and characters, marks and spacing aside (cheap: no normalising).
        core = quote.strip(_WRAPPERS).rstrip(_TRAILING_PUNCT).split()
        words, chars = len(core), len(" ".join(core))
        if chars < MIN_QUOTE_CHARS or words < MIN_QUOTE_WORDS:
            return Rejection(
                QUOTE_TOO_SHORT,
                f"{words} word(s), {chars} character(s): at least"
                f" {MIN_QUOTE_WORDS} words and {MIN_QUOTE_CHARS} characters are needed",
            )
        self._saw_taken = False
        found = (
            self._exact(quote, window, taken)
            or self._normalized(quote, window, taken)
            or self._fuzzy(quote, window, taken)
        )
        if isinstance(found, Rejection) and self._saw_taken:
            return Rejection(
                DUPLICATE_QUOTE,
                "every occurrence of this quote is already grounded for this speaker",
            )
        return found

    def _exact(
        self, quote: str, window: Span | None, taken: Collection[Span]
    ) -> GroundedSpan | None:
        for variant in _candidates(quote):
            n = len(variant)
            if window is not None:
                # The window first: what `_pick` would return when it holds a free match,
                # found without scanning the text before it.
                inside = (
                    (p, p + n)
                    for p in _find_all(self.text, variant, max(0, window[0]), max(0, window[1]))
                )
                span = _first_free(inside, taken)
                if span is not None:
                    return GroundedSpan(span[0], span[1], "exact", 100.0)
            pick = _pick(((p, p + n) for p in _find_all(self.text, variant)), window, taken)
            self._saw_taken |= pick.saw_taken
            if pick.span is not None:
                return GroundedSpan(pick.span[0], pick.span[1], "exact", 100.0)
        return None

    def _normalized(
        self, quote: str, window: Span | None, taken: Collection[Span]
    ) -> GroundedSpan | None:
        norm = self.normalized
        for variant in _candidates(quote):
            needle = _normalize_plain(variant)
            if not needle:
                continue
            last = len(needle) - 1
            if window is not None:
                # Normalised positions [lo, hi) are exactly those mapping into the window.
                lo = bisect_left(norm.starts, window[0])
                hi = bisect_right(norm.ends, window[1])
                inside = (
                    (norm.starts[p], norm.ends[p + last])
                    for p in _find_all(norm.text, needle, lo, hi)
                )
                span = _first_free(inside, taken)
                if span is not None:
                    return GroundedSpan(span[0], span[1], "normalized", 100.0)
            spans = ((norm.starts[p], norm.ends[p + last]) for p in _find_all(norm.text, needle))
            pick = _pick(spans, window, taken)
            self._saw_taken |= pick.saw_taken
            if pick.span is not None:
                return GroundedSpan(pick.span[0], pick.span[1], "normalized", 100.0)
        return None

    def _fuzzy(
        self, quote: str, window: Span | None, taken: Collection[Span]
    ) -> GroundedSpan | Rejection:
        needle = _normalize_plain(quote.strip(_WRAPPERS)).rstrip(_TRAILING_PUNCT).strip()
        if len(needle) < FUZZY_MIN_CHARS:
            return Rejection(
                QUOTE_NOT_FOUND,
                "no exact or normalised match (too short for fuzzy alignment)",
            )
        best: GroundedSpan | None = None
        best_score = 0.0
        areas: list[tuple[int, int] | None] = [window, None] if window is not None else [None]
        for area in areas:
            found = self._align(needle, area)
            if found is None:
                continue
            span, score = found
            best_score = max(best_score, score)
            if score >= FUZZY_THRESHOLD:
                best = span
                break
        if best is None:
            return Rejection(
                QUOTE_NOT_FOUND,
                f"best fuzzy match {best_score:.0f} is below the threshold {FUZZY_THRESHOLD:.0f}",
            )
        if (best.start, best.end) in taken:
            self._saw_taken = True
            return Rejection(QUOTE_NOT_FOUND, "the best fuzzy match is already grounded")
        return best

    def _align(
        self, needle: str, area: tuple[int, int] | None
    ) -> tuple[GroundedSpan, float] | None:
        from rapidfuzz import fuzz

        norm = self.normalized
        hay = norm.text
        offset = 0
        if area is not None:
            # Normalised indices covering the original window.
            lo = _first_at_or_after(norm.starts, area[0])
            hi = _first_at_or_after(norm.starts, area[1])
            hay, offset = hay[lo:hi], lo
        if len(hay) < len(needle) // 2:
            return None
        alignment = fuzz.partial_ratio_alignment(needle, hay)
        if alignment is None:
            return None
        start, end = _snap_to_words(hay, alignment.dest_start, alignment.dest_end)
        while start < end and hay[start] == " ":
            start += 1
        while end > start and hay[end - 1] == " ":
            end -= 1
        if end <= start:
            return None
        score = float(fuzz.ratio(needle, hay[start:end]))
        # Compare with the raw alignment too: snapping may add a partial word at either end.
        raw = hay[alignment.dest_start : alignment.dest_end].strip()
        if raw and fuzz.ratio(needle, raw) > score:
            score = float(fuzz.ratio(needle, raw))
        a, b = start + offset, end + offset
        return GroundedSpan(norm.starts[a], norm.ends[b - 1], "fuzzy", round(score, 1)), score


def _first_at_or_after(starts: list[int], index: int) -> int:
    return bisect_left(starts, index)


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) so it neither starts nor ends inside a word."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def ground_quote(
    text: str, quote: str, *, window: tuple[int, int] | None = None
) -> GroundedSpan | None:
    """The span of `quote` in `text`, or None when it cannot be grounded (see module doc)."""
    found = ArticleText(text).ground(quote, window=window)
    return found if isinstance(found, GroundedSpan) else None


def explain(text: str, quote: str, *, window: tuple[int, int] | None = None) -> Rejection | None:
    """Why `quote` cannot be grounded in `text`, or None when it can."""
    found = ArticleText(text).ground(quote, window=window)
    return found if isinstance(found, Rejection) else None

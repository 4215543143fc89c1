"""Split long articles into overlapping chunks that fit a model's context.

Each chunk knows its [start, end) window in the full text, so a quote found in a chunk is
located in that region of the article (grounding) and offsets always refer to the whole
text. Token counts are estimated at four characters per token: no tokenizer download, and
the budget (settings.chunk_tokens) leaves room for that roughness.

Chunks end on paragraph boundaries (a line break), falling back to sentence boundaries and
then whitespace for overlong paragraphs; paragraphs and sentences are the text layer's
(`stancetrack.text.index`), the same the rules and speaker evidence read. Consecutive
chunks share one paragraph (or sentence) of overlap so a claim that straddles a boundary is
seen whole at least once; the same claim found twice is deduplicated after grounding, not
here.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass

from stancetrack.text.index import TextIndex, text_index

CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int
    text: str  # == full_text[start:end]

    @property
    def window(self) -> tuple[int, int]:
        return (self.start, self.end)


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate; good enough to stay under a budget with margin."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def split_text(text: str, max_tokens: int, *, overlap: int = 1) -> list[Chunk]:
    """Chunks of at most ``max_tokens`` (estimated) covering all of ``text``.

    ``overlap`` is the number of units (paragraphs, or sentences inside an overlong
    paragraph) repeated at the start of the next chunk, when that still fits the budget.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    budget = max_tokens * CHARS_PER_TOKEN
    if len(text) <= budget:
        return [Chunk(0, len(text), text)]

    units = _units(text, budget)
    if not units:  # only whitespace
        return [Chunk(0, len(text), text)]
    spans: list[tuple[int, int]] = []  # (first unit index, last unit index) per chunk
    first = 0
    while first < len(units):
        last = first
        while last + 1 < len(units) and units[last + 1][1] - units[first][0] <= budget:
            last += 1
        spans.append((first, last))
        if last == len(units) - 1:
            break
        nxt = max(last + 1 - overlap, first + 1)
        # Drop overlap that would leave no room for anything new in the next chunk.
        while nxt <= last and units[last + 1][1] - units[nxt][0] > budget:
            nxt += 1
        first = nxt

    chunks = []
    for index, (a, b) in enumerate(spans):
        start = 0 if index == 0 else units[a][0]
        end = len(text) if index == len(spans) - 1 else units[b][1]
        chunks.append(Chunk(start, end, text[start:end]))
    return chunks


def _units(text: str, budget: int) -> list[tuple[int, int]]:
    """Paragraph spans, with any paragraph over budget cut into sentences or pieces."""
    index = text_index(text)
    units: list[tuple[int, int]] = []
    for start, end in index.paragraphs:
        if end - start <= budget:
            units.append((start, end))
        else:
            units.extend(_sentences(index, start, end, budget))
    return units


def _sentences(index: TextIndex, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """The paragraph's sentences, any over budget cut at whitespace."""
    first = bisect_left(index.sentence_starts, start)
    out: list[tuple[int, int]] = []
    for a, b in index.sentences[first:]:
        if a >= end:
            break
        out.extend(_hard_split(index.text, a, b, budget) if b - a > budget else [(a, b)])
    return out


def _hard_split(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Cut a run-on sentence at the last whitespace before the budget (or at the budget)."""
    out: list[tuple[int, int]] = []
    while end - start > budget:
        limit = start + budget
        cut = text.rfind(" ", start + 1, limit)
        if cut <= start:
            cut = limit
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out

"""Layout of an article for the rules: paragraphs, sentences and quotation-mark regions.

Everything is character offsets into the article text, so every span the rules produce is
verbatim by construction.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

OPENING = ('"', "“", "''")
CLOSING = ('"', "”", "''")
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+(?:''|[\"“‘(\[])?[A-Z0-9])")
# Double quotation marks: straight, curly, and the doubled apostrophe some wires use.
_MARK = re.compile("''|[\"“”]")
_LAST_WORD = re.compile(r"(\S+)$")


@dataclass(frozen=True, slots=True)
class Region:
    """A quotation: [start, end) includes the marks, `inner` excludes them; `closed` is
    False when the quote runs to the paragraph's end unclosed (news style: it continues in
    the next paragraph)."""

    start: int
    end: int
    closed: bool
    paragraph: int
    inner: tuple[int, int]


@dataclass(slots=True)
class Layout:
    text: str
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]  # each lies inside one paragraph
    regions: list[Region]
    _sentence_starts: list[int]
    _paragraph_starts: list[int]
    _region_starts: list[int]

    def paragraph_of(self, pos: int) -> int:
        return max(0, bisect_right(self._paragraph_starts, pos) - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        index = max(0, bisect_right(self._sentence_starts, pos) - 1)
        return self.sentences[index]

    def region_at(self, pos: int) -> Region | None:
        """The quotation region containing `pos` (marks included), if any."""
        index = bisect_right(self._region_starts, pos) - 1
        if index >= 0:
            region = self.regions[index]
            if region.start <= pos < region.end:
                return region
        return None


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        pos = end + 1
    return out


def _regions(text: str, start: int, end: int, paragraph: int) -> list[Region]:
    """Pair quotation marks left to right: straight marks toggle, curly ones open/close."""
    out: list[Region] = []
    open_at, open_len = -1, 0
    for mark in _MARK.finditer(text, start, end):
        i, ch = mark.start(), mark.group()
        if open_at < 0:
            if ch in OPENING:
                open_at, open_len = i, len(ch)
        elif ch in CLOSING:
            out.append(Region(open_at, i + len(ch), True, paragraph, (open_at + open_len, i)))
            open_at = -1
        elif ch == "“":  # a second opener: the first was stray
            open_at, open_len = i, 1
    if open_at >= 0 and end - open_at > open_len:
        out.append(Region(open_at, end, False, paragraph, (open_at + open_len, end)))
    return out


def _sentences(
    text: str, start: int, end: int, regions: list[Region], abbreviations: frozenset[str]
) -> list[tuple[int, int]]:
    out = []
    cursor = start
    # The regions are in text order and never overlap: only the last one starting before a
    # position can contain it (scanning them all made a one-line article quadratic).
    region_starts = [r.start for r in regions]
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        k = bisect_left(region_starts, stop) - 1
        if k >= 0 and stop < regions[k].end:
            continue  # a full stop inside a quotation does not end the sentence around it
        word = _LAST_WORD.search(text, cursor, match.start() + 1)
        token = word.group(1).lower() if word else ""
        if match.group(0).startswith(".") and (
            token in abbreviations or re.fullmatch(r"[a-z]\.", token)
        ):
            continue
        out.append((cursor, stop))
        cursor = stop
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        out.append((cursor, end))
    return out


def layout(text: str, abbreviations: frozenset[str]) -> Layout:
    paragraphs = _paragraphs(text)
    sentences: list[tuple[int, int]] = []
    regions: list[Region] = []
    for index, (start, end) in enumerate(paragraphs):
        found = _regions(text, start, end, index)
        regions.extend(found)
        sentences.extend(_sentences(text, start, end, found, abbreviations))
    return Layout(
        text=text,
        paragraphs=paragraphs,
        sentences=sentences,
        regions=regions,
        _sentence_starts=[s for s, _ in sentences],
        _paragraph_starts=[s for s, _ in paragraphs],
        _region_starts=[r.start for r in regions],
    )

"""An article's text, split once: paragraphs, sentences, quotation regions, name runs.

Everything is a character offset into the text, so a span read from the index is verbatim
by construction. Chunking, the rules extractor, speaker evidence and actor names all read
this one index (`text_index`, remembered for the last few texts), so an article is split
once however many quotes it has, and every reader agrees where a sentence ends.

- paragraphs: the non-blank lines, stripped;
- sentences: inside a paragraph, ending at . ! ? (then closing marks) before a capital or
  a digit, except inside a quotation, after an abbreviation or after an initial;
- regions: double quotation marks paired left to right in each paragraph (straight marks
  toggle, curly ones open and close; an unclosed one runs to the paragraph's end);
- name runs: the words (letters first) with, for each, where the run of capitalised words
  right before it starts (same sentence, only spaces between, no word of `not_names`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

from stancetrack.text.folding import fold
from stancetrack.text.words import words

Span = tuple[int, int]
OPENING = ('"', "“", "''")
CLOSING = ('"', "”", "''")
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+(?:''|[\"“‘(\[])?[A-Z0-9])")
# Double quotation marks: straight, curly, and the doubled apostrophe some wires use.
_MARK = re.compile("''|[\"“”]")
_LAST_WORD = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"[a-z]\.")
# A word: a letter, then letters, digits, apostrophes, full stops, hyphens ("U.S.", "O'Neil").
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


@dataclass(frozen=True, slots=True)
class Region:
    """A quotation: [start, end) includes the marks, `inner` excludes them; `closed` is
    False when the quote runs to the paragraph's end unclosed (news style: it continues in
    the next paragraph)."""

    start: int
    end: int
    closed: bool
    paragraph: int
    inner: Span


class Words:
    """The text's words (as `_WORD` finds them), their folds, and the name runs: for word
    i, `run_first[i]` is the first word of the capitalised run right before it (i itself
    when there is none)."""

    __slots__ = ("by_fold", "ends", "run_first", "starts", "tokens")

    def __init__(self, index: TextIndex) -> None:
        text = index.text
        self.tokens: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        for match in _WORD.finditer(text):
            self.tokens.append(match.group())
            self.starts.append(match.start())
            self.ends.append(match.end())
        folded = {token: fold(token) for token in set(self.tokens)}
        self.by_fold: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            self.by_fold.setdefault(folded[token], []).append(i)
        not_names = words().not_names
        self.run_first: list[int] = []
        for i in range(len(self.tokens)):
            prev = i - 1
            joined = (
                prev >= 0
                and self.tokens[prev][0].isupper()
                and folded[self.tokens[prev]] not in not_names
                and not text[self.ends[prev] : self.starts[i]].strip()
                and index.sentence_index(self.starts[prev]) == index.sentence_index(self.starts[i])
            )
            self.run_first.append(self.run_first[prev] if joined else i)


class TextIndex:
    """One article's text, split once; built by `text_index`."""

    def __init__(self, text: str, abbreviations: frozenset[str]) -> None:
        self.text = text
        self.paragraphs = _paragraphs(text)
        self.sentences: list[Span] = []  # each lies inside one paragraph
        self.regions: list[Region] = []
        for index, (start, end) in enumerate(self.paragraphs):
            found = _regions(text, start, end, index)
            self.regions.extend(found)
            self.sentences.extend(_sentences(text, start, end, found, abbreviations))
        self.sentence_starts = [s for s, _ in self.sentences]
        self.paragraph_starts = [s for s, _ in self.paragraphs]
        self.region_starts = [r.start for r in self.regions]

    def paragraph_of(self, pos: int) -> int:
        """The index of the paragraph at `pos` (or the last one before it)."""
        return max(0, bisect_right(self.paragraph_starts, pos) - 1)

    def sentence_index(self, pos: int) -> int:
        """The index of the sentence at `pos` (or the last one before it)."""
        return max(0, bisect_right(self.sentence_starts, pos) - 1)

    def sentence_of(self, pos: int) -> Span:
        return self.sentences[self.sentence_index(pos)]

    def region_at(self, pos: int) -> Region | None:
        """The quotation region containing `pos` (marks included), if any."""
        index = bisect_right(self.region_starts, pos) - 1
        if index >= 0:
            region = self.regions[index]
            if region.start <= pos < region.end:
                return region
        return None

    @cached_property
    def words(self) -> Words:
        return Words(self)


def _paragraphs(text: str) -> list[Span]:
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
) -> list[Span]:
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
        if match.group(0).startswith(".") and (token in abbreviations or _INITIAL.fullmatch(token)):
            continue
        out.append((cursor, stop))
        cursor = stop
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        out.append((cursor, end))
    return out


def build_index(text: str, abbreviations: frozenset[str] | None = None) -> TextIndex:
    """A fresh index of `text` (abbreviations: the language's, unless given)."""
    return TextIndex(text, words().abbreviations if abbreviations is None else abbreviations)


@lru_cache(maxsize=8)
def text_index(text: str) -> TextIndex:
    """The index of `text`, built once: every reader of the same article shares it."""
    return build_index(text)

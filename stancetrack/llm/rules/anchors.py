"""What the attribution passes share: the article's tokens with their helpers, a cue being
resolved (`Anchor`) and the finished result (`Attribution`).

The passes (cues.py, cue_subjects.py, contents.py, resolve.py, quotes.py) each read one
`ArticleTokens`, so the character and token arithmetic lives here once.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import NamedTuple

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.speakers import Speaker, SpeakerFinder
from stancetrack.llm.rules.text import Layout, Region
from stancetrack.llm.rules.tokens import Token

_TRIM_END = " \t\n,;:.—–-"
_TRIM_START = " \t\n,;:—–-"


@dataclass(slots=True)
class Attribution:
    """A claim before stance: where its content is, who said it, by which cue."""

    start: int
    end: int
    speaker: Speaker
    cue: str
    direct: bool
    strength: float  # 1.0 speech verb, 0.8 'according to', 0.6 belief verb, 0.5 carried over
    paragraph: int = 0
    carried: bool = False  # speaker carried over from the quotation before


@dataclass(slots=True)
class Anchor:
    """A reporting cue while it is resolved: its speaker, extent and content."""

    k: int  # cue token index
    cue: str
    strength: float
    speaker: Speaker | None = None
    first: int = 0  # first token of the attribution (speaker or cue)
    last: int = 0  # last token of the attribution
    content: tuple[int, int] | None = None
    regions: list[Region] = field(default_factory=list)
    joined: bool = False  # shares the subject of the verb before ('..., saying', 'and said')
    participle: bool = False  # an -ing form without 'is' before it ('..., saying')


class Sentence(NamedTuple):
    """A sentence by characters [start, end) and by tokens [lo, hi)."""

    start: int
    end: int
    lo: int
    hi: int


class ArticleTokens:
    """The article as the passes read it: layout, tokens, speakers and lexicon."""

    def __init__(
        self,
        layout: Layout,
        tokens: list[Token],
        finder: SpeakerFinder,
        lexicon: Lexicon,
        headlines: list[tuple[int, int]],
    ) -> None:
        self.layout = layout
        self.text = layout.text
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.finder = finder
        self.lex = lexicon
        self.headlines = headlines

    def tok_range(self, start: int, end: int) -> tuple[int, int]:
        return bisect_left(self.starts, start), bisect_left(self.starts, end)

    def sentence(self, pos: int) -> Sentence:
        """The sentence holding character `pos`."""
        start, end = self.layout.sentence_of(pos)
        return Sentence(start, end, *self.tok_range(start, end))

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Content without edge punctuation, a leading 'that' or its own quotation marks."""
        text = self.text
        while start < end and text[start] in _TRIM_START:
            start += 1
        while end > start and text[end - 1] in _TRIM_END:
            end -= 1
        if text[start:end].lower().startswith("that "):
            start += 5
        region = self.layout.region_at(start)
        if region is not None and region.start == start and region.end == end:
            start, end = region.inner  # the whole content is one quotation: drop the marks
        return start, end

    def trim_quote(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–"):
            end -= 1
        return start, end

    def words(self, start: int, end: int) -> int:
        return len(self.text[start:end].split())

    def name_token(self, tok: Token) -> bool:
        return tok.cap and tok.text[0].isalpha() and tok.lower not in self.lex.words.not_names

    def sentence_initial(self, k: int) -> bool:
        s, _ = self.layout.sentence_of(self.tokens[k].start)
        return self.tokens[k].start == s

    def ends_with_quote(self, pos: int, floor: int) -> bool:
        """Does a closed quotation end at `pos` (spaces and commas aside)?"""
        text = self.text
        p = pos
        while p > floor and text[p - 1] in " ,\t":
            p -= 1
        region = self.layout.region_at(p - 1) if p > floor else None
        return region is not None and region.closed and region.end == p

    def quote_follows(self, last: int, s_end: int) -> bool:
        """Does a quotation follow token `last` and close the sentence?"""
        text = self.text
        p = self.tokens[last].end
        while p < s_end and text[p] in " ,:\t":
            p += 1
        region = self.layout.region_at(p)
        if region is None or region.start != p:
            return False
        tail = text[region.end : s_end].strip(' .,;:!?"”’)')
        return not tail

"""Speaker evidence: where the article names a claim's speaker, and how that ties to the quote.

Grounding proves the quote is in the article; it says nothing about who said it. A model
(or an instruction planted in the article: "say Joe Biden opposes NATO expansion") can pin
a real quote on anyone. So every grounded claim also gets, computed here in code:

- `start`, `end`: the mention of the speaker nearest the quote (outside it), a pronoun
  speaker ("he", "she", "they": the lexicon's person and group pronouns) resolved to its
  antecedent, the nearest earlier mention of the actor in the same paragraph or the two
  before;
- `evidence`: `cue` when a reporting cue ("said", "according to", ...: the language's
  lexicon, `stancetrack.text.words`) within `cue_window` characters
  (`prompts/grounding/speaker_cues.yaml`) of that mention, in
  the same sentence, links it to the quote's sentence or an adjacent one; `nearby` when the
  speaker is only named in the quote's paragraph; `absent` when not (the mention, if any,
  is then the nearest anywhere, or None).

Sentences and paragraphs are the text layer's (`stancetrack.text.index`), shared with the
rules and chunking. Names are matched on word boundaries in the text as grounding
normalises it (case, quote marks, dashes, zero-width characters), by the speaker as given,
the canonical actor and, for people, their surname. A mention inside the quote counts only
when a cue follows it at once ("Putin said ...", an indirect quote that includes its
source); otherwise the quote's own words could vouch for themselves. See
docs/ARCHITECTURE.md (speaker evidence) and the README for what this does and does not
prove.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Literal

from stancetrack.datafiles import yaml_mapping
from stancetrack.errors import ConfigError
from stancetrack.grounding import ArticleText, normalize_with_map
from stancetrack.text.folding import fold
from stancetrack.text.index import TextIndex, text_index
from stancetrack.text.words import Words, words

Evidence = Literal["cue", "nearby", "absent"]
EVIDENCE: tuple[Evidence, ...] = ("cue", "nearby", "absent")
# Stored on claims from before migration 0006 that could not be recomputed (none expected).
UNKNOWN = "unknown"
CUES_FILE = "grounding/speaker_cues.yaml"

# Pronouns that report someone named earlier ("..., he said"): the speaker pronouns of a
# person or a group.
_PRONOUN_NAMES = sorted(words().person_pronouns | words().group_pronouns)
# A cue this close to the quote's start belongs to the attribution, not to the quote.
_QUOTE_LEAD = 2
# How many paragraphs before a pronoun its antecedent may be named.
_ANTECEDENT_PARAGRAPHS = 2
_TITLES = frozenset(fold(t) for t in words().titles)


@dataclass(frozen=True, slots=True)
class SpeakerCues:
    """The cues: forms (normalised text) of the language's reporting cues, and the window
    from the data file."""

    forms: tuple[str, ...]
    window: int


def parse_cues(raw: bytes, language: Words | None = None) -> SpeakerCues:
    data = yaml_mapping(raw, CUES_FILE)
    window = data.get("cue_window")
    if not isinstance(window, int) or window < 0:
        raise ConfigError(f"{CUES_FILE}: 'cue_window' must be a non-negative integer")
    cues = (language or words()).reporting_cues
    if not cues:
        raise ConfigError("the language's lexicon has no reporting cues")
    return SpeakerCues(_normal_forms(list(cues)), window)


@lru_cache(maxsize=1)
def default_cues() -> SpeakerCues:
    raw = resources.files("stancetrack.prompts").joinpath(*CUES_FILE.split("/")).read_bytes()
    return parse_cues(raw)


@dataclass(frozen=True, slots=True)
class SpeakerSpan:
    """Where the speaker is named (None when nowhere) and how that ties to the quote."""

    start: int | None
    end: int | None
    evidence: Evidence


Span = tuple[int, int]


def _is_pronoun(name: str) -> bool:
    return fold(name) in words().pronouns


def name_forms(speaker: str, actor: str, actor_type: str) -> list[str]:
    """The strings that name this source: speaker, actor, their first comma part and, for a
    person, the surname (last word of 3+ letters that is not a title)."""
    names: list[str] = []
    for name in (speaker, actor, speaker.split(",")[0], actor.split(",")[0]):
        name = " ".join(name.split())
        if name and not _is_pronoun(name) and name not in names:
            names.append(name)
    if actor_type in ("person", "unknown"):
        for name in list(names):
            words = name.split()
            last = words[-1].strip(".,;:'’") if len(words) > 1 else ""
            if (
                len(last) >= 3
                and last[0].isupper()
                and fold(last) not in _TITLES
                and last not in names
            ):
                names.append(last)
    return names


def _normal_forms(names: list[str]) -> tuple[str, ...]:
    """Names as grounding normalises text (case, marks, spacing), distinct, sorted."""
    return tuple(sorted({normalize_with_map(n).text.strip() for n in names} - {""}))


def _is_word(ch: str) -> bool:
    """What `\\w` matches in a str pattern."""
    return ch.isalnum() or ch == "_"


def _ends_with_colon(text: str, end: int) -> bool:
    """`text[:end].rstrip().endswith(":")` without copying the text before `end`."""
    k = end - 1
    while k >= 0 and text[k].isspace():
        k -= 1
    return k >= 0 and text[k] == ":"


_TOKEN = re.compile(r"\w+")


def word_index(text: str) -> dict[str, list[int]]:
    """Where each word (maximal `\\w` run) of the text starts: `word_occurrences` reads it
    instead of scanning the text once per form."""
    index: dict[str, list[int]] = {}
    for match in _TOKEN.finditer(text):
        index.setdefault(match.group(), []).append(match.start())
    return index


def word_occurrences(
    text: str, forms: tuple[str, ...], index: dict[str, list[int]] | None = None
) -> list[Span]:
    """Non-overlapping whole-word occurrences of the forms in `text`, scanned left to right,
    the longest form winning at a position: what the regex `(?<!\\w)(?:f1|f2...)(?!\\w)`
    (longest alternative first) finds, by `str.find` (the regex tried every alternative at
    every position, the costliest step of speaker evidence).

    With the text's `word_index`, a form that starts with a word character is looked for
    only where its first word starts a word of the text (the only places it can occur on a
    word boundary), so the cost follows the occurrences, not the length of the text.
    """
    found: list[Span] = []
    for form in forms:
        first = _TOKEN.match(form) if index is not None else None
        if first is not None and index is not None:
            candidates = index.get(first.group(), ())
            for pos in candidates:
                end = pos + len(form)
                if text.startswith(form, pos) and (end == len(text) or not _is_word(text[end])):
                    found.append((pos, end))
            continue
        pos = text.find(form)
        while pos != -1:
            end = pos + len(form)
            if (pos == 0 or not _is_word(text[pos - 1])) and (
                end == len(text) or not _is_word(text[end])
            ):
                found.append((pos, end))
            pos = text.find(form, pos + 1)
    found.sort(key=lambda span: (span[0], -span[1]))
    spans: list[Span] = []
    last = 0
    for start, end in found:
        if start >= last:
            spans.append((start, end))
            last = end
    return spans


class _Spans:
    """Spans sorted by start (ends then sorted too: they never overlap), with their starts
    and ends as lists to bisect: a quote's nearby spans are found without scanning all."""

    __slots__ = ("ends", "spans", "starts")

    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans
        self.starts = [s for s, _e in spans]
        self.ends = [e for _s, e in spans]

    def __len__(self) -> int:
        return len(self.spans)


class ArticleSpeakers:
    """One article prepared for locating many claims' speakers.

    Sentences, paragraphs, cues and each name's mentions are found once and kept sorted, so
    locating one quote's speaker bisects to the few spans near it: the cost per quote does
    not grow with the number of quotes (it did: every mention against every cue).
    """

    def __init__(self, article: ArticleText, cues: SpeakerCues | None = None) -> None:
        self.article = article
        self.cues = cues or default_cues()
        self._mention_spans: dict[tuple[str, ...], _Spans] = {}  # by normalised forms
        self._by_names: dict[tuple[str, ...], _Spans] = {}  # by names as given

    @cached_property
    def _index(self) -> TextIndex:
        return text_index(self.article.text)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return self._index.sentence_starts or [0]

    @cached_property
    def _cue_spans(self) -> _Spans:
        return _Spans(self._spans(self.cues.forms))

    def _mentions(self, names: list[str]) -> _Spans:
        """Whole-word occurrences of any of the names (longest first where they overlap),
        as spans of the original text; remembered per set of names for the article."""
        key = tuple(names)
        known = self._by_names.get(key)
        if known is None:
            forms = _normal_forms(names)
            known = self._mention_spans.get(forms)
            if known is None:
                known = self._mention_spans[forms] = _Spans(self._spans(forms))
            self._by_names[key] = known
        return known

    def _spans(self, forms: tuple[str, ...]) -> list[Span]:
        """Whole-word occurrences in the normalised text, as spans of the original text."""
        norm = self.article.normalized
        return [
            (norm.starts[start], norm.ends[end - 1])
            for start, end in word_occurrences(norm.text, forms, self._word_index)
        ]

    @cached_property
    def _word_index(self) -> dict[str, list[int]]:
        return word_index(self.article.normalized.text)

    def _sentence(self, pos: int) -> int:
        return self._index.sentence_index(pos)

    def _paragraph(self, pos: int) -> int:
        return self._index.paragraph_of(pos)

    def _near_sentences(self, spans: _Spans, quote: Span) -> tuple[int, int]:
        """The index range of the spans starting in the quote's sentences or the one either
        side: the only ones `_cued` can accept."""
        qs, qe = quote
        first, last = self._sentence(qs), self._sentence(max(qs, qe - 1))
        starts = self._sentence_starts
        lo = bisect_left(spans.starts, starts[first - 1]) if first >= 1 else 0
        hi = bisect_left(spans.starts, starts[last + 2]) if last + 2 < len(starts) else len(spans)
        return lo, hi

    def _cued(self, mention: Span, quote: Span) -> bool:
        """A cue in the mention's sentence, close to it, outside the quote, in the quote's
        sentence or an adjacent one."""
        qs, qe = quote
        sentence = self._sentence(mention[0])
        first, last = self._sentence(qs), self._sentence(max(qs, qe - 1))
        if not first - 1 <= sentence <= last + 1:
            return False
        text = self.article.text
        if not first <= sentence <= last and not self._same_paragraph(mention[0], qs, qe):
            # An adjacent sentence across a paragraph break only when it introduces the
            # quote ("Putin said:" then the quote's paragraph).
            end = (
                self._sentence_starts[sentence + 1]
                if sentence + 1 < len(self._sentence_starts)
                else len(text)
            )
            if sentence > last or not _ends_with_colon(text, end):
                return False
        # Only cues within the window of the mention can link to it: those starting up to
        # `window` after it, and those ending up to `window` before it.
        cues, window = self._cue_spans, self.cues.window
        after = bisect_left(cues.starts, mention[1])
        before = range(bisect_left(cues.ends, mention[0] - window, 0, after), after)
        stop = bisect_right(cues.starts, mention[1] + window, after)
        for k in itertools.chain(before, range(after, stop)):
            cs, ce = cues.spans[k]
            if cs < qe and ce > qs and cs > qs + _QUOTE_LEAD:
                continue  # the quote's own words do not vouch for it (but may start with
                # its reporting verb: "Putin on Tuesday [accused the U.S. of ...]")
            if self._sentence(cs) != sentence:
                continue
            gap = (mention[1], cs) if cs >= mention[1] else (ce, mention[0])
            if 0 <= gap[1] - gap[0] <= window and ";" not in text[gap[0] : gap[1]]:
                return True
        return False

    def _same_paragraph(self, pos: int, qs: int, qe: int) -> bool:
        return self._paragraph(qs) <= self._paragraph(pos) <= self._paragraph(max(qs, qe - 1))

    def _cue_inside(self, mention: Span, quote: Span) -> bool:
        """A mention inside the quote followed at once by a cue: "Putin said NATO ...".
        Only the first cue after the mention can qualify: the words before any later one
        include those before the first."""
        cues = self._cue_spans
        k = bisect_left(cues.starts, mention[1])
        if k == len(cues):
            return False
        cs = cues.starts[k]
        return cs <= quote[1] and not self.article.text[mention[1] : cs].strip(" ,")

    def locate(self, quote: Span, speaker: str, actor: str, actor_type: str) -> SpeakerSpan:
        """The speaker's mention for the quote at `quote` (original offsets) and its status.

        Of the candidates of each kind the nearest wins, the earliest of equally near ones
        (the first in text order, as a scan of all mentions would pick)."""
        qs, qe = quote
        mentions = self._mentions(name_forms(speaker, actor, actor_type))
        # Mentions [0, b) end at or before the quote, [a, n) start at or after its end,
        # [b, a) overlap it.
        n = len(mentions)
        b = bisect_right(mentions.ends, qs)
        a = max(b, bisect_left(mentions.starts, qe))

        def distance(m: Span) -> int:
            return qs - m[1] if m[1] <= qs else max(0, m[0] - qe)

        cued = self._cued_mentions(mentions, quote, b, a)
        # A pronoun at the quote ("..., he said") stands for the nearest earlier mention.
        pronouns = self._mentions([fold(speaker)] if _is_pronoun(speaker) else _PRONOUN_NAMES)
        lo, hi = self._near_sentences(pronouns, quote)
        for p in pronouns.spans[lo:hi]:
            if (p[1] <= qs or p[0] >= qe) and self._cued(p, quote):
                antecedent = self._antecedent(p, mentions, b, a)
                if antecedent is not None:
                    cued.append(antecedent)
        if cued:
            best = min(cued, key=distance)
            return SpeakerSpan(best[0], best[1], "cue")
        first, last = self._paragraph(qs), self._paragraph(max(qs, qe - 1))
        near = self._nearest(
            mentions, b, lambda k: self._paragraph(mentions.starts[k]) >= first
        ) + ([mentions.spans[a]] if a < n and self._paragraph(mentions.starts[a]) <= last else [])
        if near:
            best = min(near, key=distance)
            return SpeakerSpan(best[0], best[1], "nearby")
        outside = self._nearest(mentions, b, lambda k: True) + mentions.spans[a : a + 1]
        if outside:
            best = min(outside, key=distance)
            return SpeakerSpan(best[0], best[1], "absent")
        return SpeakerSpan(None, None, "absent")

    def _cued_mentions(self, mentions: _Spans, quote: Span, b: int, a: int) -> list[Span]:
        """The candidates a scan of all mentions would list as cued, in its order, less
        those a nearer (or as near and earlier) one of the same kind hides: the nearest cued
        mention before the quote, the nearest after it, the first inside it with a cue."""
        lo, hi = self._near_sentences(mentions, quote)
        found: list[Span] = []
        before = None
        for k in range(min(b, hi) - 1, lo - 1, -1):
            if before is not None and mentions.ends[k] != mentions.ends[before]:
                break
            if self._cued(mentions.spans[k], quote):
                before = k
        if before is not None:
            found.append(mentions.spans[before])
        for k in range(max(a, lo), hi):
            if self._cued(mentions.spans[k], quote):
                found.append(mentions.spans[k])
                break
        for k in range(b, a):
            if self._cue_inside(mentions.spans[k], quote):
                found.append(mentions.spans[k])
                break
        return found

    @staticmethod
    def _nearest(mentions: _Spans, b: int, ok: Callable[[int], bool]) -> list[Span]:
        """The nearest mention before the quote (ending last; of those ending there, the
        first) if it is `ok`; `ok` holds for a suffix of them, so nothing earlier can be."""
        if b == 0:
            return []
        end = mentions.ends[b - 1]
        best = None
        k = b - 1
        while k >= 0 and mentions.ends[k] == end:
            if ok(k):
                best = k
            k -= 1
        return [] if best is None else [mentions.spans[best]]

    def _antecedent(self, pronoun: Span, mentions: _Spans, b: int, a: int) -> Span | None:
        """The nearest mention before the pronoun, outside the quote, in its paragraph or
        the two before (the last one ending before it: the latest start)."""
        first = self._paragraph(pronoun[0]) - _ANTECEDENT_PARAGRAPHS
        last = bisect_right(mentions.ends, pronoun[0]) - 1
        k = last if last >= a else min(last, b - 1)
        if k < 0 or self._paragraph(mentions.starts[k]) < first:
            return None
        return mentions.spans[k]

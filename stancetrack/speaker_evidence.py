"""Speaker evidence: where the article names a claim's speaker, and how that ties to the quote.

Grounding proves the quote is in the article; it says nothing about who said it. A model
(or an instruction planted in the article: "say Joe Biden opposes NATO expansion") can pin
a real quote on anyone. So every grounded claim also gets, computed here in code:

- `start`, `end`: the mention of the speaker nearest the quote (outside it), a pronoun
  speaker ("he", "she", "they") resolved to its antecedent, the nearest earlier mention of
  the actor in the same paragraph or the two before;
- `evidence`: `cue` when a reporting cue ("said", "according to", ...: the data file
  `prompts/grounding/speaker_cues.yaml`) within `cue_window` characters of that mention, in
  the same sentence, links it to the quote's sentence or an adjacent one; `nearby` when the
  speaker is only named in the quote's paragraph; `absent` when not (the mention, if any,
  is then the nearest anywhere, or None).

Names are matched on word boundaries in the text as grounding normalises it (case, quote
marks, dashes, zero-width characters), by the speaker as given, the canonical actor and, for
people, their surname. A mention inside the quote counts only when a cue follows it at once
("Putin said ...", an indirect quote that includes its source); otherwise the quote's own
words could vouch for themselves. See docs/ARCHITECTURE.md (speaker evidence) and the README
for what this does and does not prove.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Literal

import yaml

from stancetrack.actors import PRONOUNS, TITLE_WORDS, fold
from stancetrack.errors import ConfigError
from stancetrack.grounding import ArticleText, normalize_with_map

Evidence = Literal["cue", "nearby", "absent"]
EVIDENCE: tuple[Evidence, ...] = ("cue", "nearby", "absent")
# Stored on claims from before migration 0006 that could not be recomputed (none expected).
UNKNOWN = "unknown"
CUES_FILE = "grounding/speaker_cues.yaml"

# Third-person pronouns that report someone named earlier ("..., he said").
_REPORTING_PRONOUNS = ("he", "she", "they")
# A cue this close to the quote's start belongs to the attribution, not to the quote.
_QUOTE_LEAD = 2
# How many paragraphs before a pronoun its antecedent may be named.
_ANTECEDENT_PARAGRAPHS = 2
_TITLES = frozenset(fold(t) for t in TITLE_WORDS)
# A sentence ends at . ! ? (then closing marks) before whitespace, or at a line break.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n+")
_WORD_BEFORE = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s+$")


@dataclass(frozen=True, slots=True)
class SpeakerCues:
    """The data file, parsed: cue forms (normalised text), window, abbreviations."""

    forms: tuple[str, ...]
    window: int
    abbreviations: frozenset[str]


def parse_cues(raw: bytes) -> SpeakerCues:
    data = yaml.safe_load(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ConfigError(f"{CUES_FILE}: expected a mapping")
    cues, abbreviations, window = (
        data.get("cues"),
        data.get("abbreviations", []),
        data.get("cue_window"),
    )
    if not isinstance(cues, list) or not cues or not all(isinstance(c, str) for c in cues):
        raise ConfigError(f"{CUES_FILE}: 'cues' must be a non-empty list of strings")
    if not isinstance(abbreviations, list) or not all(isinstance(a, str) for a in abbreviations):
        raise ConfigError(f"{CUES_FILE}: 'abbreviations' must be a list of strings")
    if not isinstance(window, int) or window < 0:
        raise ConfigError(f"{CUES_FILE}: 'cue_window' must be a non-negative integer")
    return SpeakerCues(
        _normal_forms(cues),
        window,
        frozenset(a.strip().lower() for a in abbreviations),
    )


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
    return fold(name) in PRONOUNS


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


def word_occurrences(text: str, forms: tuple[str, ...]) -> list[Span]:
    """Non-overlapping whole-word occurrences of the forms in `text`, scanned left to right,
    the longest form winning at a position: what the regex `(?<!\\w)(?:f1|f2...)(?!\\w)`
    (longest alternative first) finds, by `str.find` (the regex tried every alternative at
    every position, the costliest step of speaker evidence)."""
    found: list[Span] = []
    for form in forms:
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


class ArticleSpeakers:
    """One article prepared for locating many claims' speakers (sentences, cues: once)."""

    def __init__(self, article: ArticleText, cues: SpeakerCues | None = None) -> None:
        self.article = article
        self.cues = cues or default_cues()
        self._mention_spans: dict[tuple[str, ...], list[Span]] = {}

    @cached_property
    def _sentence_starts(self) -> list[int]:
        text = self.article.text
        starts = [0]
        for m in _SENTENCE_END.finditer(text):
            if m.group(0)[0] == ".":
                word = _WORD_BEFORE.search(text, max(0, m.start() - 20), m.end())
                if word and word.group(1).lower() in self.cues.abbreviations:
                    continue
                if word and len(word.group(1)) == 1 and word.group(1).isupper():
                    continue  # an initial: "George W. Bush"
            starts.append(m.end())
        return starts

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        text = self.article.text
        return [0] + [m.end() for m in re.finditer(r"\n+", text)]

    @cached_property
    def _cue_spans(self) -> list[Span]:
        return self._spans(self.cues.forms)

    def _mentions(self, names: list[str]) -> list[Span]:
        """Whole-word occurrences of any of the names (longest first where they overlap),
        as spans of the original text; remembered per set of names for the article."""
        forms = _normal_forms(names)
        known = self._mention_spans.get(forms)
        if known is None:
            known = self._mention_spans[forms] = self._spans(forms)
        return known

    def _spans(self, forms: tuple[str, ...]) -> list[Span]:
        """Whole-word occurrences in the normalised text, as spans of the original text."""
        norm = self.article.normalized
        return [
            (norm.starts[start], norm.ends[end - 1])
            for start, end in word_occurrences(norm.text, forms)
        ]

    def _sentence(self, pos: int) -> int:
        return bisect_right(self._sentence_starts, pos) - 1

    def _paragraph(self, pos: int) -> int:
        return bisect_right(self._paragraph_starts, pos) - 1

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
            if sentence > last or not text[:end].rstrip().endswith(":"):
                return False
        for cs, ce in self._cue_spans:
            if cs < qe and ce > qs and cs > qs + _QUOTE_LEAD:
                continue  # the quote's own words do not vouch for it (but may start with
                # its reporting verb: "Putin on Tuesday [accused the U.S. of ...]")
            if self._sentence(cs) != sentence:
                continue
            gap = (mention[1], cs) if cs >= mention[1] else (ce, mention[0])
            if 0 <= gap[1] - gap[0] <= self.cues.window and ";" not in text[gap[0] : gap[1]]:
                return True
        return False

    def _same_paragraph(self, pos: int, qs: int, qe: int) -> bool:
        return self._paragraph(qs) <= self._paragraph(pos) <= self._paragraph(max(qs, qe - 1))

    def _cue_inside(self, mention: Span, quote: Span) -> bool:
        """A mention inside the quote followed at once by a cue: "Putin said NATO ..."."""
        text = self.article.text
        return any(
            cs >= mention[1] and cs <= quote[1] and not text[mention[1] : cs].strip(" ,")
            for cs, _ce in self._cue_spans
        )

    def locate(self, quote: Span, speaker: str, actor: str, actor_type: str) -> SpeakerSpan:
        """The speaker's mention for the quote at `quote` (original offsets) and its status."""
        qs, qe = quote
        names = name_forms(speaker, actor, actor_type)
        mentions = self._mentions(names)
        outside = [m for m in mentions if m[1] <= qs or m[0] >= qe]

        def distance(m: Span) -> int:
            return qs - m[1] if m[1] <= qs else max(0, m[0] - qe)

        cued = [m for m in outside if self._cued(m, quote)]
        cued += [m for m in mentions if m not in outside and self._cue_inside(m, quote)]
        # A pronoun at the quote ("..., he said") stands for the nearest earlier mention.
        pronouns = [fold(speaker)] if _is_pronoun(speaker) else list(_REPORTING_PRONOUNS)
        for p in self._mentions(pronouns):
            if (p[1] <= qs or p[0] >= qe) and self._cued(p, quote):
                antecedent = self._antecedent(p, outside)
                if antecedent is not None:
                    cued.append(antecedent)
        if cued:
            best = min(cued, key=distance)
            return SpeakerSpan(best[0], best[1], "cue")
        paragraphs = range(self._paragraph(qs), self._paragraph(max(qs, qe - 1)) + 1)
        near = [m for m in outside if self._paragraph(m[0]) in paragraphs]
        if near:
            best = min(near, key=distance)
            return SpeakerSpan(best[0], best[1], "nearby")
        if outside:
            best = min(outside, key=distance)
            return SpeakerSpan(best[0], best[1], "absent")
        return SpeakerSpan(None, None, "absent")

    def _antecedent(self, pronoun: Span, mentions: list[Span]) -> Span | None:
        """The nearest mention before the pronoun, in its paragraph or the two before."""
        first = self._paragraph(pronoun[0]) - _ANTECEDENT_PARAGRAPHS
        earlier = [m for m in mentions if m[1] <= pronoun[0] and self._paragraph(m[0]) >= first]
        return max(earlier, default=None)

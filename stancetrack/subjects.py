"""A target's subjects (prompts/targets/*.yaml, `subjects`) and which ones a claim is about.

For NATO expansion the subjects are the candidate countries: a stance toward Sweden's bid is
not one toward Finland's. A claim's subjects are those its reply names (schema v2, checked
against the target's list), else those this module finds near it, the same way for every
backend (applied in pipeline/grounded.py, after grounding):

1. in the quote itself; else
2. in the claim sentence the backend wrote; else
3. in the reporting sentence (the sentence holding the quote and its speaker); else
4. earlier in the quote's paragraph ("Erdogan accused the two countries ... 'Why should we
   believe their promises?'").

The first of these that names any subject decides. A name matches with its aliases
("Kyiv" -> Ukraine) and possessive ("Sweden's bid"); a group phrase ("the two Nordic
countries") stands for its members only when the article names each of them. No subject
found: the claim is about the target in general (an empty list).

Every subject's mentions are found once per article (`_Mentions`), and paragraphs and
sentences are the text layer's (`text_index`, shared with speaker evidence and the rules),
so an article's claims cost a lookup each, not a scan of their paragraph: a one-line
article of megabytes is one paragraph.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from stancetrack.errors import ConfigError
from stancetrack.targets import find_target
from stancetrack.text.index import text_index

_POSSESSIVE = r"(?:['’]s)?"
_WORD = re.compile(r"\w+")
# The characters outside ASCII that a case-insensitive pattern takes for an ASCII letter
# (İ and ı for i, ſ for s, the Kelvin sign for k; tests/test_subjects_prefilter.py checks
# every code point): a text with one is searched for every subject, without the shortcut.
_ASCII_LOOKALIKES = re.compile("[\u0130\u0131\u017f\u212a]")


def _words(phrases: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any phrase on word boundaries (longest first);
    inner spaces match any run of whitespace."""
    ordered = sorted({" ".join(p.split()) for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)
    return re.compile(rf"(?<!\w)(?:{body}){_POSSESSIVE}(?!\w)", re.IGNORECASE)


# A subject's name, its pattern (`_words`), and the first words it can start with.
_Pattern = tuple[str, re.Pattern[str], frozenset[str] | None]


def first_words(phrases: Iterable[str]) -> frozenset[str] | None:
    """The lower-case first word of each phrase: `_words(phrases)` can match a text only
    where one of them stands as a whole word (its boundaries are the pattern's). None when
    a phrase starts other than with an ASCII word: no such shortcut then."""
    out: set[str] = set()
    for phrase in phrases:
        if not phrase.strip():
            continue
        first = _WORD.match(phrase.strip())
        if first is None or not first.group().isascii():
            return None
        out.add(first.group().lower())
    return frozenset(out)


def words_of(text: str) -> frozenset[str] | None:
    """The text's words, lower case, to test `first_words` against (None: the text has a
    character a pattern would take for an ASCII letter; search it all)."""
    if _ASCII_LOOKALIKES.search(text):
        return None
    return frozenset(w.lower() for w in _WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    """A phrase for several subjects at once ("the two countries")."""

    members: tuple[str, ...]
    phrases: tuple[str, ...]


class Subjects:
    """One target's subjects and how to find them in text."""

    def __init__(self, subjects: Sequence[Subject], groups: Sequence[Group] = ()) -> None:
        self.names: tuple[str, ...] = tuple(s.name for s in subjects)
        self._by_key: dict[str, str] = {}
        # Per subject: its name, its pattern, the first words the pattern can start with.
        self._patterns: list[_Pattern] = []
        for s in subjects:
            for word in (s.name, *s.aliases):
                self._by_key.setdefault(_key(word), s.name)
            phrases = (s.name, *s.aliases)
            self._patterns.append((s.name, _words(phrases), first_words(phrases)))
        self._groups = [(g.members, _words(g.phrases)) for g in groups if g.phrases]
        self._kept: tuple[str, _Mentions] | None = None

    def __bool__(self) -> bool:
        return bool(self.names)

    def canonical(self, given: str) -> str | None:
        """The subject `given` names (its name or an alias, any case), or None."""
        return self._by_key.get(_key(given))

    def named_in(self, text: str) -> set[str]:
        """Subjects `text` names by name or alias (groups aside)."""
        return {name for name, pattern, _ in self._patterns if pattern.search(text)}

    def ordered(self, names: Iterable[str]) -> tuple[str, ...]:
        """`names` in the target's order, once each."""
        wanted = set(names)
        return tuple(n for n in self.names if n in wanted)

    def find(
        self,
        text: str,
        span: tuple[int, int],
        claim: str = "",
        speaker: tuple[int, int] | None = None,
    ) -> tuple[str, ...]:
        """The subjects a claim at `span` of `text` is about (see the module docstring)."""
        if not self.names:
            return ()
        index = self._mentions(text)
        start, end = span
        para_start, para_end = index.paragraph(start, end)
        if speaker is not None and para_start <= speaker[0] and speaker[1] <= para_end:
            start, end = min(start, speaker[0]), max(end, speaker[1])
        sent_start, sent_end = index.sentence(start, end)
        for part in (
            self._named_with_groups(text[span[0] : span[1]], index),
            self._named_with_groups(claim, index),
            index.named_between(sent_start, sent_end),
            index.named_between(para_start, sent_end),
        ):
            if part:
                return self.ordered(part)
        return ()

    def _named_with_groups(self, part: str, index: _Mentions) -> set[str]:
        found = self.named_in(part)
        for members, pattern in self._groups:
            if pattern.search(part) and set(members) <= index.anywhere:
                found.update(members)
        return found

    def _mentions(self, text: str) -> _Mentions:
        """The index of `text`, kept for the next claim of the same article (one slot: an
        attribute swap is atomic, so threads sharing this object at worst build it twice)."""
        kept = self._kept
        if kept is not None and kept[0] is text:
            return kept[1]
        index = _Mentions(text, self._patterns, self._groups)
        self._kept = (text, index)
        return index


class _Mentions:
    """One article's subject mentions, with offsets, over its paragraphs and sentences as
    the text layer splits them (the one index every reader of the article shares)."""

    def __init__(
        self,
        text: str,
        patterns: Sequence[_Pattern],
        groups: Sequence[tuple[tuple[str, ...], re.Pattern[str]]],
    ) -> None:
        self._text = text_index(text)
        # per subject (and per group: its members), its mentions' starts and ends in order
        self._spans: list[tuple[frozenset[str], list[int], list[int]]] = []
        # A subject none of whose first words the text has is not scanned for: most
        # articles name few of a target's subjects, and each scan reads the whole text.
        present = words_of(text)
        for name, pattern, first in patterns:
            if present is not None and first is not None and present.isdisjoint(first):
                continue
            self._add(frozenset((name,)), pattern, text)
        self.anywhere = frozenset(
            name for names, starts, _ in self._spans if starts for name in names
        )
        for members, pattern in groups:
            if set(members) <= self.anywhere:
                self._add(frozenset(members), pattern, text)

    def _add(self, names: frozenset[str], pattern: re.Pattern[str], text: str) -> None:
        found = [(m.start(), m.end()) for m in pattern.finditer(text)]
        self._spans.append((names, [a for a, _ in found], [b for _, b in found]))

    def paragraph(self, start: int, end: int) -> tuple[int, int]:
        """The paragraph(s) [lo, hi) holding [start, end)."""
        index = self._text
        if not index.paragraphs:
            return start, end
        last = max(start, end - 1)
        return (
            index.paragraphs[index.paragraph_of(start)][0],
            index.paragraphs[index.paragraph_of(last)][1],
        )

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence(s) [lo, hi) covering [start, end)."""
        index = self._text
        if not index.sentences:
            return start, end
        last = max(start, end - 1)
        return index.sentence_of(start)[0], index.sentence_of(last)[1]

    def named_between(self, lo: int, hi: int) -> set[str]:
        """Subjects mentioned wholly inside [lo, hi) (a group: its members)."""
        found: set[str] = set()
        for names, starts, ends in self._spans:
            i = bisect_left(starts, lo)  # mentions do not overlap: the first one decides
            if i < len(starts) and ends[i] <= hi:
                found |= names
        return found


def _key(word: str) -> str:
    return " ".join(word.split()).casefold()


def parse_subjects(data: dict[str, Any], where: str) -> Subjects:
    """The `subjects` and `groups` of a target file's mapping (both optional)."""
    raw = data.get("subjects") or []
    if not isinstance(raw, list):
        raise ConfigError(f"target file {where}: `subjects` must be a list")
    subjects: list[Subject] = []
    for item in raw:
        if isinstance(item, str):
            item = {"name": item}
        name = item.get("name") if isinstance(item, dict) else None
        aliases = item.get("aliases", []) if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(aliases, list):
            raise ConfigError(f"target file {where}: a subject needs a `name` (and `aliases`)")
        subjects.append(Subject(" ".join(name.split()), tuple(str(a) for a in aliases)))
    known = {s.name for s in subjects}
    groups: list[Group] = []
    for item in data.get("groups") or []:
        members = item.get("members") if isinstance(item, dict) else None
        phrases = item.get("phrases") if isinstance(item, dict) else None
        if not isinstance(members, list) or not isinstance(phrases, list):
            raise ConfigError(f"target file {where}: a group needs `members` and `phrases`")
        unknown = [m for m in members if m not in known]
        if unknown:
            raise ConfigError(f"target file {where}: group members {unknown} are no subjects")
        groups.append(Group(tuple(members), tuple(str(p) for p in phrases)))
    return Subjects(subjects, groups)


@cache
def target_subjects(target: str) -> Subjects:
    """The subjects of the target named `target` (none for a target without a file)."""
    found = find_target(target)
    if found is None:
        return Subjects(())
    return parse_subjects(found.data, found.file)

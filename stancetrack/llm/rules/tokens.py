"""Word tokens with offsets, and the capitalised-name mentions of an article."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stancetrack.llm.rules.lexicon import Lexicon

_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_][\w'’&-]*(?:\.(?=\w)[\w'’&-]*)*|[^\w\s]")
# Runs of capitalised words joined by single spaces (name connectors allowed inside).
_NAME_RUN = re.compile(
    r"(?<![\w'’])(?:[^\W\d_a-z][\w'’.&-]*)"
    r"(?: (?:(?:of|de|da|van|von|bin|al|la|le|du|del) )?[^\W\d_a-z][\w'’.&-]*)*"
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+")
# Words title case leaves in lower case ('Trump Says He Is Ready to Lead').
_TITLE_CASE_SMALL = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "and",
        "or",
        "but",
        "by",
        "with",
        "from",
        "as",
        "vs.",
        "via",
        "nor",
        "so",
        "yet",
        "is",
    }
)
_CONNECTORS = frozenset({"of", "de", "da", "van", "von", "bin", "al", "la", "le", "du", "del"})
_POSSESSIVE = ("'s", "’s", "'", "’")


class Token:
    """One word or punctuation mark at [start, end); `cap`: starts with a capital."""

    __slots__ = ("cap", "end", "lower", "start", "text")

    def __init__(self, start: int, text: str) -> None:
        self.start = start
        self.end = start + len(text)
        self.text = text
        self.lower = text.lower()
        self.cap = text[0].isupper()


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """Words and punctuation; an abbreviation keeps its full stop ('Mr.', 'U.S.')."""
    found = _TOKEN.finditer(text)
    out = [Token(m.start(), m.group()) for m in found]
    if "." not in text:
        return out
    abbreviations = lexicon.words.abbreviations
    merged: list[Token] = []
    for tok in out:
        if tok.text == "." and merged:
            prev = merged[-1]
            if prev.end == tok.start and (
                prev.lower + "." in abbreviations or (len(prev.text) == 1 and prev.cap)
            ):
                merged[-1] = Token(prev.start, prev.text + ".")
                continue
        merged.append(tok)
    return merged


def strip_possessive(word: str) -> str:
    for suffix in _POSSESSIVE:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class Mention:
    """A capitalised name in the text: `name` without titles, `title` what preceded it."""

    start: int
    end: int
    name: str
    title: str
    kind: str  # person | organization | government | unknown
    female: bool | None


def _grams(words: list[str]) -> set[str]:
    low = [w.lower() for w in words]
    grams = set(low)
    grams.update(" ".join(low[i : i + 2]) for i in range(len(low) - 1))
    grams.update(" ".join(low[i : i + 3]) for i in range(len(low) - 2))
    return grams


_KIND_CACHE: dict[tuple[str, tuple[str, ...], bool], str] = {}


def classify(words: list[str], lexicon: Lexicon, *, titled: bool) -> str:
    """person | organization | government | unknown, from the words of a name."""
    key = (lexicon.sha256, tuple(words), titled)
    kind = _KIND_CACHE.get(key)
    if kind is None:
        if len(_KIND_CACHE) > 50_000:
            _KIND_CACHE.clear()
        kind = _KIND_CACHE[key] = _classify(words, lexicon, titled=titled)
    return kind


def _classify(words: list[str], lexicon: Lexicon, *, titled: bool) -> str:
    grams = _grams(words)
    if not grams.isdisjoint(lexicon.government_words):
        return "government"
    if not grams.isdisjoint(lexicon.organization_words):
        return "organization"
    if titled:
        return "person"
    if not grams.isdisjoint(lexicon.place_words):
        return "unknown"  # 'Eastern Europe': a place, never a pronoun's referent
    if len(words) >= 2 and not any(w.isupper() and len(w) > 1 for w in words):
        return "person"
    return "unknown"


def female_of(name: str, title: str, lexicon: Lexicon) -> bool | None:
    t = title.lower()
    if any(x in t.split() for x in ("mrs.", "ms.", "mrs", "ms", "madam", "miss")):
        return True
    if any(x in t.split() for x in ("mr.", "mr")):
        return False
    words = [w.lower() for w in name.split()]
    # The first name, or one after a capitalised epithet ('Crooked Hillary Clinton').
    if any(w in lexicon.female_first_names for w in words[:-1] or words):
        return True
    return None if len(name.split()) < 2 else False


def split_title(words: list[str], lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """Leading title words (President, Sen., Russian ...) and the name after them."""
    i = 0
    low = [w.lower() for w in words]
    while i < len(words) - 1:
        matched = 0
        for size in (3, 2, 1):
            if i + size < len(words) and " ".join(low[i : i + size]) in lexicon.words.title_set:
                matched = size
                break
        if not matched:
            break
        i += matched
    return words[:i], words[i:]


def mentions(
    text: str, lexicon: Lexicon, headlines: list[tuple[int, int]] | None = None
) -> list[Mention]:
    """Maximal runs of capitalised words on one line, trimmed of non-name words; runs in
    title-case headlines are skipped."""
    out: list[Mention] = []
    skip = headline_lines(text) if headlines is None else headlines
    for match in _NAME_RUN.finditer(text):
        if skip and any(s <= match.start() < e for s, e in skip):
            continue
        pos = match.start()
        for words, offsets in _split_at_full_stops(match.group().split(" "), pos, lexicon):
            mention = _mention(words, offsets, lexicon)
            if mention is not None:
                out.append(mention)
    return out


def headline_lines(text: str) -> list[tuple[int, int]]:
    """Lines in title case ('Trump Says He Will Win'): their capitals are not names."""
    out = []
    pos = 0
    for line in text.split("\n"):
        words = line.split()
        if len(words) >= 4 and all(
            w[:1].isupper() or not w[:1].isalpha() or w.lower() in _TITLE_CASE_SMALL for w in words
        ):
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _split_at_full_stops(
    words: list[str], pos: int, lexicon: Lexicon
) -> list[tuple[list[str], list[int]]]:
    """A full stop that ends a sentence ends the name too ('... Putin. The')."""
    runs: list[tuple[list[str], list[int]]] = [([], [])]
    for word in words:
        runs[-1][0].append(word)
        runs[-1][1].append(pos)
        pos += len(word) + 1
        if (
            word.endswith(".")
            and word.lower() not in lexicon.words.abbreviations
            and not _INITIALS.fullmatch(word)
        ):
            runs[-1][0][-1] = word.rstrip(".")
            runs.append(([], []))
    return [(w, o) for w, o in runs if w and w[0]]


def _compound_adjective(word: str) -> bool:
    """'Russian-annexed', 'Kremlin-backed': a modifier before a name, no part of it
    ('Jean-Claude' keeps its capitals)."""
    head, _, tail = word.partition("-")
    return bool(head) and tail[:1].islower()


def _mention(words: list[str], offsets: list[int], lexicon: Lexicon) -> Mention | None:
    # A possessive ends the name: "Erdogan's office" -> "Erdogan".
    for i, word in enumerate(words[:-1]):
        if word.endswith(_POSSESSIVE[:2]):
            del words[i + 1 :]
            del offsets[i + 1 :]
            break
    while words and (
        words[0].lower() in lexicon.words.not_names
        or words[0] in _CONNECTORS
        or _compound_adjective(words[0])
    ):
        words.pop(0)
        offsets.pop(0)
    while words and words[-1] in _CONNECTORS:
        words.pop()
        offsets.pop()
    if not words:
        return None
    if len(words) == 1 and words[0].lower().endswith("ly"):
        return None  # 'Recently', 'Finally': a sentence-initial adverb
    if sum(1 for w in words if w.isupper() and len(w) > 1) >= 2 and len(words) >= 3:
        return None  # a shouted headline, not a name
    words[-1] = strip_possessive(words[-1])
    title, name = split_title(words, lexicon)
    if not name:
        return None
    kind = classify(name, lexicon, titled=bool(title))
    name_text = " ".join(name)
    title_text = " ".join(title)
    return Mention(
        offsets[0],
        offsets[-1] + len(words[-1]),
        name_text,
        title_text,
        kind,
        female_of(name_text, title_text, lexicon) if kind == "person" else None,
    )

"""Word tokens with offsets, and the capitalised-name mentions of an article."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from stancetrack.llm.rules.lexicon import Lexicon

_TOKEN = re.compile(r"[^\W_][\w'’.&-]*|[^\w\s]")
_CONNECTORS = frozenset({"of", "de", "da", "van", "von", "bin", "al", "la", "le", "du", "del"})
_POSSESSIVE = ("'s", "’s", "'", "’")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    lower: str
    cap: bool  # starts with an upper-case letter


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """Words and punctuation; a sentence-final full stop is split off a word ('Putin.')."""
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        word, start = match.group(0), match.start()
        if (
            len(word) > 1
            and word.endswith(".")
            and word.lower() not in lexicon.abbreviations
            and not re.fullmatch(r"(?:[A-Za-z]\.)+", word)
        ):
            word = word.rstrip(".")
            out.append(_token(start, word))
            out.append(_token(start + len(word), "."))
            continue
        out.append(_token(start, word))
    return out


def _token(start: int, word: str) -> Token:
    return Token(start, start + len(word), word, word.lower(), word[:1].isupper())


def index_at(tokens: list[Token], pos: int, starts: list[int]) -> int:
    """Index of the first token starting at or after `pos`."""
    return bisect_left(starts, pos)


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


def classify(words: list[str], lexicon: Lexicon, *, titled: bool) -> str:
    lowered = " ".join(w.lower() for w in words)
    joined = f" {lowered} "
    if any(f" {w} " in joined for w in lexicon.government_words):
        return "government"
    if any(f" {w} " in joined for w in lexicon.organization_words):
        return "organization"
    if titled:
        return "person"
    if len(words) >= 2 and not any(w.isupper() and len(w) > 1 for w in words):
        return "person"
    return "unknown"


def female_of(name: str, title: str, lexicon: Lexicon) -> bool | None:
    t = title.lower()
    if any(x in t.split() for x in ("mrs.", "ms.", "mrs", "ms", "madam", "miss")):
        return True
    if any(x in t.split() for x in ("mr.", "mr")):
        return False
    first = name.split()[0].lower() if name.split() else ""
    if first in lexicon.female_first_names:
        return True
    return None if len(name.split()) < 2 else False


def split_title(words: list[str], lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """Leading title words (President, Sen., Russian ...) and the name after them."""
    i = 0
    while i < len(words) - 1:
        matched = 0
        for title in lexicon.titles:
            parts = title.split()
            if [w.lower() for w in words[i : i + len(parts)]] == parts and i + len(parts) < len(
                words
            ):
                matched = len(parts)
                break
        if not matched:
            break
        i += matched
    return words[:i], words[i:]


def mentions(text: str, tokens: list[Token], lexicon: Lexicon) -> list[Mention]:
    """Maximal runs of capitalised words on one line, trimmed of non-name words."""
    out: list[Mention] = []
    run: list[Token] = []

    def flush() -> None:
        while run and (run[0].lower in lexicon.not_names or run[0].lower in _CONNECTORS):
            run.pop(0)
        while run and run[-1].lower in _CONNECTORS:
            run.pop()
        if not run:
            return
        words = [t.text for t in run]
        words[-1] = strip_possessive(words[-1])
        title, name = split_title(words, lexicon)
        if name:
            kind = classify(name, lexicon, titled=bool(title))
            name_text = " ".join(name)
            title_text = " ".join(title)
            out.append(
                Mention(
                    run[0].start,
                    run[-1].end,
                    name_text,
                    title_text,
                    kind,
                    female_of(name_text, title_text, lexicon) if kind == "person" else None,
                )
            )
        run.clear()

    for token in tokens:
        if run:
            gap = text[run[-1].end : token.start]
            if gap != " " or run[-1].text.endswith(_POSSESSIVE[:2]):
                flush()
        if token.cap and token.text[0].isalpha():
            run.append(token)
        elif run and token.lower in _CONNECTORS:
            run.append(token)
        else:
            flush()
    flush()
    return out

"""Actor names: the normalised key two mentions must share to be the same actor.

Pure functions (no database); the repository uses them to find or create actors.
"""

from __future__ import annotations

import re
import unicodedata

# Titles and roles that precede a name and are not part of it. Longest first.
TITLE_WORDS = sorted(
    {
        "president",
        "prime minister",
        "foreign minister",
        "defence minister",
        "defense minister",
        "minister",
        "secretary of state",
        "secretary-general",
        "secretary general",
        "secretary",
        "chancellor",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ambassador",
        "senator",
        "sen.",
        "rep.",
        "representative",
        "governor",
        "gov.",
        "mayor",
        "king",
        "queen",
        "general",
        "gen.",
        "admiral",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
        "lord",
        "dame",
        "deputy",
        "vice",
        "former",
        "then",
        "kremlin",
        "white house",
        "state department",
        "nato",
        "u.s.",
        "us",
        "u.k.",
        "uk",
        "eu",
        "russian",
        "ukrainian",
        "finnish",
        "swedish",
        "turkish",
        "hungarian",
        "british",
        "french",
        "german",
        "american",
        "polish",
        "chinese",
        "foreign",
        "defence",
        "defense",
        "chief",
        "head",
        "leader",
        "top",
        "senior",
        "official",
        "diplomat",
        "envoy",
        "the",
    },
    key=len,
    reverse=True,
)

PRONOUNS = frozenset(
    {"he", "she", "they", "him", "her", "them", "it", "we", "i", "you", "his", "hers", "their"}
)

_PUNCT = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Casefold and strip diacritics and punctuation: 'Erdoğan,' -> 'erdogan'."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    no_marks = no_marks.replace("\u2019", "'").replace("'s ", " ")
    return _SPACES.sub(" ", _PUNCT.sub(" ", no_marks.casefold())).strip()


_FOLDED_TITLES = [fold(t) for t in TITLE_WORDS if fold(t)]


def strip_titles(name: str) -> str:
    """Drop leading titles: 'Russian President Vladimir Putin' -> 'vladimir putin' (folded)."""
    key = fold(name)
    changed = True
    while changed and key:
        changed = False
        for title in _FOLDED_TITLES:
            if key.startswith(title + " "):
                key = key[len(title) + 1 :]
                changed = True
                break
    return key


def name_key(name: str) -> str:
    """The matching key of a name: folded, titles stripped; never empty for a non-empty name."""
    return strip_titles(name) or fold(name)


def is_pronoun(mention: str) -> bool:
    return fold(mention) in PRONOUNS


def surname(name: str) -> str:
    """Last token of the key: the surname for a person's name."""
    parts = name_key(name).split()
    return parts[-1] if parts else ""

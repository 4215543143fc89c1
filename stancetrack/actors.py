"""Actor names: the keys two mentions must share to be the same actor.

Pure functions (no database). The repository uses them to find or create actors:

- `name_key` is the strict key: case, diacritics and punctuation folded, leading titles
  ("Russian President", "Kremlin spokesman") dropped. Institutions keep their whole name,
  so "Russian Foreign Ministry" and "Finnish Foreign Ministry" stay apart.
- `loose_key` also forgives transliteration ("Zelenskiy" / "Zelenskyy", "Sergei" / "Sergey");
  `surname_key` is the loose key of a full name's last word. Both are stored (indexed) beside
  every actor and alias key, so resolution reads only the rows that match.
- `full_names_in` finds the full names a text gives for a bare surname, so "Johnson" in an
  article resolves to the Johnson that article names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from stancetrack.text.folding import POSSESSIVE
from stancetrack.text.folding import fold as fold  # the one fold, kept where callers find it
from stancetrack.text.index import text_index
from stancetrack.text.words import words

# Titles and roles that precede a name and are not part of it, longest first: the language's
# one list (prompts/rules/lexicon.yaml, stancetrack/text/words.py).
TITLE_WORDS = list(words().titles)

# A name ending in one of these is an institution or a group: its words are all part of it.
INSTITUTION_WORDS = frozenset(
    {
        "administration",
        "agency",
        "alliance",
        "allies",
        "analysts",
        "army",
        "assembly",
        "bureau",
        "cabinet",
        "command",
        "commission",
        "committee",
        "congress",
        "council",
        "court",
        "department",
        "duma",
        "embassy",
        "forces",
        "government",
        "house",
        "kremlin",
        "military",
        "ministry",
        "mission",
        "nato",
        "office",
        "official",
        "officials",
        "organisation",
        "organization",
        "parliament",
        "party",
        "presidency",
        "senate",
        "service",
        "services",
        "spokesman",
        "spokesperson",
        "union",
    }
)

PRONOUNS = words().pronouns

_FOLDED_TITLES = [fold(t) for t in TITLE_WORDS if fold(t)]
_GROUP_WORDS = words().group_words


@lru_cache(maxsize=65_536)
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


def is_institution(name: str) -> bool:
    """True for names like 'Hungarian government', 'White House' or 'Republican lawmakers'
    (the last word decides: an institution or a collective noun of the lexicon), whose
    every word is part of the name: 'Democratic lawmakers' are not 'Republican lawmakers'."""
    words = fold(name).split()
    return bool(words) and (words[-1] in INSTITUTION_WORDS or words[-1] in _GROUP_WORDS)


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The strict matching key: folded, titles stripped for people; never empty for a name."""
    folded = fold(name)
    if is_institution(name):
        return folded[4:] if folded.startswith("the ") else folded
    return strip_titles(name) or folded


_LOOSE_RULES = (
    ("yy", "y"),
    ("iy", "y"),
    ("ij", "y"),
    ("ii", "i"),
    ("ph", "f"),
    ("th", "t"),
    ("kh", "h"),
    ("ck", "k"),
    ("w", "v"),
)
_DOUBLE = re.compile(r"(\w)\1")


@lru_cache(maxsize=65_536)
def loose_key(key: str) -> str:
    """A key that forgives transliteration: 'volodymyr zelenskiy' == 'volodymyr zelenskyy'."""
    words = []
    for word in key.split():
        for old, new in _LOOSE_RULES:
            word = word.replace(old, new)
        word = _DOUBLE.sub(r"\1", word)
        if word.endswith("ei"):
            word = word[:-1] + "y"
        words.append(word)
    return " ".join(words)


def surname_key(key: str) -> str | None:
    """The loose key of a name's last word, for names of two words or more, else None.

    Stored beside each actor and alias key (indexed), so "a bare surname matching exactly one
    actor" is a lookup, not a scan of the registry (see docs/ARCHITECTURE.md).
    """
    words = key.split()
    return loose_key(words[-1]) if len(words) >= 2 else None


def is_pronoun(mention: str) -> bool:
    return fold(mention) in PRONOUNS


def surname(name: str) -> str:
    """Last token of the key: the surname for a person's name."""
    parts = name_key(name).split()
    return parts[-1] if parts else ""


def is_variant_of(mention_key: str, actor_key: str) -> bool:
    """True when a mention is a shorter form of the actor's name: 'putin' of 'vladimir putin'.

    The mention's words must all be in the name and include its last word (the surname),
    strictly or up to transliteration.
    """
    if not mention_key or not actor_key:
        return False
    for mk, ak in ((mention_key, actor_key), (loose_key(mention_key), loose_key(actor_key))):
        mention, actor = mk.split(), ak.split()
        if mention[-1] == actor[-1] and set(mention) <= set(actor):
            return True
    return False


def name_parts(speaker: str) -> list[str]:
    """The name-like pieces of a speaker phrase: 'Mark Johnson, a senior fellow' -> 2 parts."""
    return [part.strip() for part in speaker.split(",") if part.strip()]


def full_names_in(text: str, last_name_key: str, *, max_words: int = 4) -> dict[str, str]:
    """Full names the text gives for a surname: {key: display}, e.g. {'mark johnson': ...}.

    A full name is the run of capitalised words right before the surname (the text index's
    name runs: same sentence, only spaces between), minus leading titles, that leaves at
    least a first name and a surname.
    """
    found: dict[str, str] = {}
    words = text_index(text).words
    for index in words.by_fold.get(last_name_key, ()):
        first = max(words.run_first[index], index - max_words + 1)
        display = text[words.starts[first] : words.ends[index]].rstrip(".'’")
        display = POSSESSIVE.sub(r"\1", display)
        key = name_key(display)
        tokens_of_key = key.split()
        if len(tokens_of_key) >= 2 and tokens_of_key[-1] == last_name_key:
            kept = display.split()[-len(tokens_of_key) :]
            found.setdefault(key, " ".join(kept))
    return found


# A hint below this likeness (0-100) would be noise: "Nobody" is not "Volodymyr Zelenskyy"
# (WRatio's partial matching scored such pairs above 50), nor "Macron" "Sanna Marin" (72);
# a surname with one typo scores above 80.
SUGGEST_CUTOFF = 75.0


def likeness(query: str, candidate: str, **_: object) -> float:
    """How alike a typed name and a known one are (0-100, after `fold`): the whole names,
    in any word order, or the query against one word of the candidate (a bare surname)."""
    from rapidfuzz import fuzz

    return max(
        fuzz.ratio(query, candidate),
        fuzz.token_sort_ratio(query, candidate),
        *(fuzz.ratio(query, word) for word in candidate.split()),
    )


def closest(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The candidates like `name` (above SUGGEST_CUTOFF), nearest first, for 'did you
    mean' hints; none when nothing is alike."""
    from rapidfuzz import process

    pool = list(dict.fromkeys(c for c in candidates if c))
    if not pool:
        return []
    scored = process.extract(
        name,
        pool,
        scorer=likeness,
        processor=fold,
        limit=limit,
        score_cutoff=SUGGEST_CUTOFF,
    )
    return [choice for choice, _score, _ in scored]

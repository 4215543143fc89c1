"""The one fold of a name: two spellings that fold alike are the same name."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

POSSESSIVE = re.compile(r"(\w)['’]s\b")
_PUNCT = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


# A pure function of a name, called for every claim of every article: memoised (a batch
# meets the same few thousand names again and again; a miss costs ~25 µs).
@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Casefold, strip diacritics, invisible characters, possessives and punctuation:
    'Erdoğan’s,' -> 'erdogan'."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining marks (diacritics) and invisible format characters (zero-width space, soft
    # hyphen, bidi marks: category Cf) go: 'Stol\u00adtenberg' is 'stoltenberg'.
    no_marks = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    no_marks = POSSESSIVE.sub(r"\1", no_marks)
    return _SPACES.sub(" ", _PUNCT.sub(" ", no_marks.casefold())).strip()

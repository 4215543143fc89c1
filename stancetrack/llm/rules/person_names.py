"""Which capitalised names are used as common nouns, so never a he/she's referent.

A run of two capitalised words is read as a person by default (`tokens.classify`), so
"National Mall", "Cold War", "Kent County Republican" or the title "Miss Universe" could
be what a later "he" or "she" refers to. A person's name is not used as a noun head after
an article: "the National Mall", "the Cold War", "a former Miss Universe" are things or
titles, while "the Clinton campaign" (a lower-case head follows) still names Clinton. A
name ending in a nationality or party adjective ("African American", "Kent County
Republican") is a description, not a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from stancetrack.llm.rules.tokens import Mention

_ARTICLES = ("the", "a", "an")
# A few words may stand between the article and a titled name: "a former Miss Universe".
_BETWEEN = frozenset({"former", "reigning", "onetime", "one-time", "late"})


def _word_before(text: str, start: int) -> tuple[str, int]:
    """The word just before `start` (lower case, no punctuation) and where it starts.

    Walks back from `start` (no copy of the text before it: an article's mentions each
    ask, so a copy would make a long article cost its length squared)."""
    end = start
    while end > 0 and text[end - 1] == " ":
        end -= 1
    if end == start or end == 0 or not text[end - 1].isalpha():
        return "", start
    cut = end
    while cut > 0 and (text[cut - 1].isalpha() or text[cut - 1] == "-"):
        cut -= 1
    return text[cut:end].lower(), cut


def _is_head(text: str, end: int, function_words: frozenset[str]) -> bool:
    """No lower-case noun follows ('the Clinton campaign'): the name is the head of its
    phrase, not a modifier. A function word after it ('the Mall on Saturday') is no noun."""
    if text[end : end + 1] != " " or not text[end + 1 : end + 2].islower():
        return True
    follower = text[end + 1 : end + 40].split(maxsplit=1)[0].strip(",.;:")
    return follower in function_words


def common_noun_names(
    text: str,
    mentions: Iterable[Mention],
    adjectives: frozenset[str],
    function_words: frozenset[str],
) -> set[str]:
    """Names the article uses mostly as a thing or a title (see the module doc): one
    antonomasia ("would not have done that to a Mitt Romney") leaves a person a person."""
    led: Counter[str] = Counter()
    bare: Counter[str] = Counter()
    out: set[str] = set()
    for m in mentions:
        if m.name.split()[-1].lower() in adjectives:
            out.add(m.name)
            continue
        word, at = _word_before(text, m.start)
        if m.title:
            while word in _BETWEEN:
                word, at = _word_before(text, at)
            article = word in ("a", "an")
        else:
            article = word in _ARTICLES
        if article and _is_head(text, m.end, function_words):
            led[m.name] += 1
        else:
            bare[m.name] += 1
    return out | {name for name, count in led.items() if count > bare[name]}

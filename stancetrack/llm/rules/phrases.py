"""Phrasal reporting cues from the lexicon ("according to", "pointed out"), matched on tokens.

The phrases are data (`source_phrases`, `reporting_phrases` in prompts/rules/lexicon.yaml),
so adding "in the words of" needs no code; the longest phrase starting at a token wins.
"""

from __future__ import annotations

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.tokens import Token

# Per lexicon (by its sha256): first word -> the phrases' words, longest first. One dict
# lookup per token instead of a scan of every phrase.
_BY_FIRST: dict[str, dict[str, list[list[str]]]] = {}


def phrase_index(lexicon: Lexicon) -> dict[str, list[list[str]]]:
    index = _BY_FIRST.get(lexicon.sha256)
    if index is None:
        if len(_BY_FIRST) > 64:
            _BY_FIRST.clear()
        index = {}
        phrases = sorted(lexicon.words.source_phrases + lexicon.words.reporting_phrases, key=len)[
            ::-1
        ]
        for phrase in phrases:
            index.setdefault(phrase.split()[0], []).append(phrase.split())
        _BY_FIRST[lexicon.sha256] = index
    return index


def phrase_at(tokens: list[Token], k: int, phrases: dict[str, list[list[str]]]) -> str:
    """The longest phrase of `phrases` (`phrase_index`) whose words start at token k ('' if
    none)."""
    for words in phrases.get(tokens[k].lower, ()):
        if k + len(words) <= len(tokens) and all(
            tokens[k + i].lower == w for i, w in enumerate(words)
        ):
            return " ".join(words)
    return ""

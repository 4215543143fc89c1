"""Phrasal reporting cues from the lexicon ("according to", "pointed out"), matched on tokens.

The phrases are data (`source_phrases`, `reporting_phrases` in prompts/rules/lexicon.yaml),
so adding "in the words of" needs no code; the longest phrase starting at a token wins.
"""

from __future__ import annotations

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.tokens import Token


def phrase_at(tokens: list[Token], k: int, lexicon: Lexicon) -> str:
    """The longest lexicon phrase whose words start at token k ('' if none)."""
    best = ""
    for phrase in lexicon.source_phrases + lexicon.reporting_phrases:
        words = phrase.split()
        if len(words) <= len(best.split()) or k + len(words) > len(tokens):
            continue
        if all(tokens[k + i].lower == w for i, w in enumerate(words)):
            best = phrase
    return best

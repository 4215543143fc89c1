"""The rules extractor's claims for a small text, each checked verbatim at its offsets (the
quote at [start, end), the speaker at its span): shared by the rules shape tests."""

from __future__ import annotations

from stancetrack.llm.rules import extract_claims
from stancetrack.llm.rules.extractor import RuleClaim
from stancetrack.llm.rules.lexicon import Lexicon


def claims(text: str, lexicon: Lexicon | None = None) -> list[RuleClaim]:
    found = extract_claims(text, lexicon)
    for item in found:  # every claim is verbatim at its exact span
        assert text[item.start : item.end] == item.claim.quote
        assert text[item.speaker_start : item.speaker_end] == item.claim.speaker
    return found


def pairs(text: str, lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """(actor, quote) of each claim, in order."""
    return [(c.claim.actor, c.claim.quote) for c in claims(text, lexicon)]

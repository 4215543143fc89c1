"""Stance toward the target from its lexicon (prompts/rules/targets/), negation aware.

The rule, in order:
1. No target term in the content (or its paragraph) -> `unrelated`.
2. Every cue found in the content scores its weight for its side; a negation word within
   `negation_window` tokens before a cue flips the side (cues that carry their own negation,
   "not expand", are not flipped again).
3. The side whose best cue outweighs the other's by `margin` wins; its confidence is the
   cue weight times `polar_scale`, less `negated_penalty` if that cue was negated.
4. Otherwise `neutral` (the target is addressed without a clear side). A neutral cue
   ("no plans to") at least as strong as the best polar cue also gives `neutral`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.schemas import Stance

_WORD = re.compile(r"[\w']+|n't")


@dataclass(frozen=True, slots=True)
class StanceReading:
    stance: Stance
    confidence: float
    rationale: str


class Paragraph:
    """A claim's paragraph, lowered and searched for the target once for all its claims
    (per claim, a one-line article of megabytes was lowered once per claim)."""

    __slots__ = ("_found", "_searched", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._searched = False
        self._found: str | None = None

    def target(self, lexicon: Lexicon) -> str | None:
        """The first target term of the paragraph (lower-cased), or None."""
        if not self._searched:
            match = lexicon.target.search(self.text.lower())
            self._found = match.group(0) if match else None
            self._searched = True
        return self._found


def read_stance(content: str, context: str | Paragraph, lexicon: Lexicon) -> StanceReading:
    """Stance of one claim: `content` is the quote, `context` its paragraph (for the target)."""
    low = content.lower()
    in_content = lexicon.target.search(low)
    paragraph = context if isinstance(context, Paragraph) else Paragraph(context)
    target = in_content.group(0) if in_content else paragraph.target(lexicon)
    if target is None:
        return StanceReading(
            Stance.UNRELATED,
            lexicon.unrelated_confidence,
            lexicon.unrelated_rationale,
        )
    best: dict[Stance, tuple[float, str, bool]] = {}
    for match in lexicon.cue_pattern.finditer(low):
        s = match.start()
        cue = next((c for c in lexicon.cues if c.pattern.match(low, s)), None)
        if cue is None:
            continue
        side, negated = cue.side, False
        if (
            side is not Stance.NEUTRAL
            and not cue.self_negated
            and _negated(low, s, cue.text, lexicon)
        ):
            side, negated = _OPPOSITE[cue.side], True
        weight = cue.weight - (lexicon.negated_penalty if negated else 0.0)
        if weight > best.get(side, (0.0, "", False))[0]:
            best[side] = (weight, match.group(0), negated)
    sup = best.get(Stance.SUPPORT, (0.0, "", False))
    opp = best.get(Stance.OPPOSE, (0.0, "", False))
    neutral = best.get(Stance.NEUTRAL, (0.0, "", False))
    if neutral[0] and neutral[0] >= max(sup[0], opp[0]):
        return StanceReading(
            Stance.NEUTRAL,
            lexicon.neutral_confidence,
            f'Mentions the target ({target}) and takes no side (cue "{neutral[1]}").',
        )
    if sup[0] - opp[0] >= lexicon.margin or opp[0] - sup[0] >= lexicon.margin:
        won, (weight, word, negated) = (
            (Stance.SUPPORT, sup) if sup[0] > opp[0] else (Stance.OPPOSE, opp)
        )
        how = f'negated cue "{word}"' if negated else f'cue "{word}"'
        return StanceReading(
            won,
            round(min(0.95, weight * lexicon.polar_scale), 2),
            f"Mentions the target ({target}) with the {won.value} {how}.",
        )
    return StanceReading(
        Stance.NEUTRAL,
        lexicon.neutral_confidence,
        f"Mentions the target ({target}) without a clear support or oppose cue.",
    )


_OPPOSITE = {Stance.SUPPORT: Stance.OPPOSE, Stance.OPPOSE: Stance.SUPPORT}


def _negated(low: str, start: int, cue: str, lexicon: Lexicon) -> bool:
    """A negation within the window before the cue; 'never'/'no' before a comparative
    ('never had a stronger message') intensifies it instead."""
    comparative = cue.endswith("er") or cue.startswith("more ")
    before = _WORD.findall(low[max(0, start - 60) : start])
    for word in before[-lexicon.negation_window :]:
        if comparative and word in lexicon.comparative_intensifiers:
            continue
        if word in lexicon.negations or word.endswith("n't"):
            return True
    return False

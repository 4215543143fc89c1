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


def read_stance(content: str, context: str, lexicon: Lexicon) -> StanceReading:
    """Stance of one claim: `content` is the quote, `context` its paragraph (for the target)."""
    low = content.lower()
    target = lexicon.target.search(low) or lexicon.target.search(context.lower())
    if target is None:
        return StanceReading(
            Stance.UNRELATED,
            lexicon.unrelated_confidence,
            lexicon.unrelated_rationale,
        )
    best: dict[str, tuple[float, str, bool]] = {}
    for match in lexicon.cue_pattern.finditer(low):
        s = match.start()
        cue = next((c for c in lexicon.cues if c.pattern.match(low, s)), None)
        if cue is None:
            continue
        side, negated = cue.side, False
        if side != "neutral" and not cue.self_negated and _negated(low, s, cue.text, lexicon):
            side, negated = ("oppose" if cue.side == "support" else "support"), True
        weight = cue.weight - (lexicon.negated_penalty if negated else 0.0)
        if weight > best.get(side, (0.0, "", False))[0]:
            best[side] = (weight, match.group(0), negated)
    sup = best.get("support", (0.0, "", False))
    opp = best.get("oppose", (0.0, "", False))
    neutral = best.get("neutral", (0.0, "", False))
    if neutral[0] and neutral[0] >= max(sup[0], opp[0]):
        return StanceReading(
            Stance.NEUTRAL,
            lexicon.neutral_confidence,
            f'Mentions the target ({target.group(0)}) and takes no side (cue "{neutral[1]}").',
        )
    if sup[0] - opp[0] >= lexicon.margin or opp[0] - sup[0] >= lexicon.margin:
        side, (weight, word, negated) = ("support", sup) if sup[0] > opp[0] else ("oppose", opp)
        how = f'negated cue "{word}"' if negated else f'cue "{word}"'
        return StanceReading(
            Stance(side),
            round(min(0.95, weight * lexicon.polar_scale), 2),
            f"Mentions the target ({target.group(0)}) with the {side} {how}.",
        )
    return StanceReading(
        Stance.NEUTRAL,
        lexicon.neutral_confidence,
        f"Mentions the target ({target.group(0)}) without a clear support or oppose cue.",
    )


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

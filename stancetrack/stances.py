"""The stance vocabulary: the reply schema's `Stance` and the overall stance built on it.

Kept free of pydantic so the CLI can offer stance choices without loading the schema layer;
`stancetrack.schemas` re-exports these. Everything that lists stances (CLI choices, table,
CSV and compare columns, scoring, the rules backend) derives the list from here.
"""

from __future__ import annotations

from enum import StrEnum


class Stance(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    NEUTRAL = "neutral"
    UNRELATED = "unrelated"


# The stance vocabulary, in its one order (CLI choices, table and CSV columns, scoring):
# everything that lists stances derives it from `Stance`.
STANCES: tuple[str, ...] = tuple(s.value for s in Stance)


class Overall(StrEnum):
    """An actor's overall stance over several claims (docs/CONTRACTS.md, "Overall stance")."""

    SUPPORT = Stance.SUPPORT.value
    OPPOSE = Stance.OPPOSE.value
    MIXED = "mixed"
    NEUTRAL = Stance.NEUTRAL.value
    NONE = "none"

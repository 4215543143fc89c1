"""The overall-stance rule (docs/CONTRACTS.md, "Overall stance"), in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stancetrack.schemas import STANCES, Overall, Stance

OVERALL: tuple[str, ...] = tuple(o.value for o in Overall)
__all__ = ["OVERALL", "STANCES", "change_between", "overall_from_counts", "overall_stance"]


def overall_from_counts(counts: Mapping[str, int]) -> str:
    """support/oppose if only one side is argued, mixed if both, neutral, else none."""
    support = counts.get(Stance.SUPPORT, 0) > 0
    oppose = counts.get(Stance.OPPOSE, 0) > 0
    if support and oppose:
        return Overall.MIXED.value
    if support:
        return Overall.SUPPORT.value
    if oppose:
        return Overall.OPPOSE.value
    if counts.get(Stance.NEUTRAL, 0) > 0:
        return Overall.NEUTRAL.value
    return Overall.NONE.value


def overall_stance(stances: Iterable[str]) -> str:
    """The overall stance of a set of claim stances (see `overall_from_counts`)."""
    counts: dict[str, int] = {}
    for stance in stances:
        counts[stance] = counts.get(stance, 0) + 1
    return overall_from_counts(counts)


def change_between(a: str | None, b: str | None) -> str:
    """How an actor's overall stance moved from article A to B (docs/CONTRACTS.md, `diff`)."""
    if a is None and b is None:
        raise ValueError("an actor in a diff makes claims in at least one article")
    if a is None:
        return "appeared"
    if b is None:
        return "disappeared"
    return "unchanged" if a == b else "shifted"

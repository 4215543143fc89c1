"""Counts per actor and subject (`compare --by subject`), their evidence, and the cells
`changes` walks.

A claim about two subjects counts for each; a claim about none counts under the subject
None (the target in general): claim_subjects is LEFT OUTER joined (counts.stance_counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Unpack

from sqlalchemy.orm import Session

from stancetrack.db.repository.claim_filter import ClaimFilter, Narrowing, narrowed
from stancetrack.db.repository.claims import ClaimRow
from stancetrack.db.repository.counts import Counts, pairs, stance_counts
from stancetrack.db.repository.evidence import EvidenceKey, strongest_claims


def stance_counts_by_subject(
    session: Session, **keywords: Unpack[Narrowing]
) -> dict[tuple[int, str | None], Counts]:
    """{(actor_id, subject or None): Counts}."""
    flt, verified_only = narrowed(keywords)
    return pairs(stance_counts(session, flt, group_by=("subject",), verified_only=verified_only))


def strongest_by_subject(
    session: Session, *, by_article: bool = False, **keywords: Unpack[Narrowing]
) -> dict[EvidenceKey, ClaimRow]:
    """The most confident claim per (actor, subject, article or None, stance)
    (evidence.strongest_claims by subject)."""
    return strongest_claims(session, by_article=by_article, by_subject=True, **keywords)


@dataclass(frozen=True, slots=True)
class Cell:
    """One actor's claims about one subject (None: the target in general) in one article."""

    actor_id: int
    subject: str | None
    article_id: int
    published: date
    counts: Counts


def dated_cells(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    subject: str | None = None,
    verified_only: bool = True,
) -> list[Cell]:
    """Every (actor, subject, dated article) cell's counts, by actor, subject, then date and
    article id: what `changes` walks. Undated articles have no place in date order."""
    flt = ClaimFilter(target, actor_ids=actor_ids, subject=subject, dated=True)
    cells = stance_counts(
        session, flt, group_by=("subject", "published", "article"), verified_only=verified_only
    )
    return [
        Cell(a, s, article, day, counts)
        for (a, s, day, article), counts in sorted(
            cells.items(),
            key=lambda kv: (kv[0][0], kv[0][1] is not None, kv[0][1] or "", *kv[0][2:]),
        )
    ]

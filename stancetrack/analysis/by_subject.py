"""`compare --by subject`: where each actor stands on each of the target's subjects.

The overall-stance rule (analysis/stance.py) is applied per subject: a claim about Finland
and Sweden counts for each, a claim about none of them under the subject None (the target
in general).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import CompareRow, evidence_stance
from stancetrack.analysis.stance import overall_from_counts
from stancetrack.db.repository.analysis import actor_names
from stancetrack.db.repository.subjects import stance_counts_by_subject, strongest_by_subject


def compare_by_subject(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    evidence: bool = False,
    include_unverified: bool = False,
) -> list[CompareRow]:
    """One row per actor and subject, by actor then subject (the target in general last);
    `absent`-speaker claims left out unless `include_unverified` (as in `compare`)."""
    verified = not include_unverified
    cells = stance_counts_by_subject(
        session,
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified,
    )
    names = actor_names(session, sorted({a for a, _ in cells}))
    strongest = (
        strongest_by_subject(
            session,
            target=target,
            actor_ids=sorted({a for a, _ in cells}),
            article_ids=article_ids,
            verified_only=verified,
        )
        if evidence and cells
        else {}
    )
    rows = []
    for (actor_id, subject), counts in cells.items():
        overall = overall_from_counts(counts.as_dict())
        candidates = [
            strongest[key]
            for stance in evidence_stance(overall)
            if (key := (actor_id, subject, None, stance)) in strongest
        ]
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=counts,
                stance=overall,
                evidence=max(candidates, key=lambda c: c.confidence, default=None),
                per_subject=True,
                subject=subject,
            )
        )
    rows.sort(key=lambda r: (r.actor.casefold(), r.subject is None, r.subject or ""))
    return rows

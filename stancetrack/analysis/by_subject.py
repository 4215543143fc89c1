"""`compare --by subject`: where each actor stands on each of the target's subjects.

The overall-stance rule (analysis/stance.py) is applied per subject: a claim about Finland
and Sweden counts for each, a claim about none of them under the subject None (the target
in general).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import CompareRow, by_actor_then, compare_cells
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
    return compare_cells(
        session,
        stance_counts_by_subject(
            session,
            target=target,
            actor_ids=actor_ids,
            article_ids=article_ids,
            verified_only=verified,
        ),
        strongest=(
            lambda actors: strongest_by_subject(
                session,
                target=target,
                actor_ids=actors,
                article_ids=article_ids,
                verified_only=verified,
            )
        )
        if evidence
        else None,
        evidence_cell=lambda actor_id, subject: (actor_id, subject, None),
        fields=lambda _actor_id, subject: {"per_subject": True, "subject": subject},
        order=by_actor_then(lambda r: r.subject),
    )

"""`compare --by subject`: where each actor stands on each of the target's subjects.

The overall-stance rule (analysis/stance.py) is applied per subject: a claim about Finland
and Sweden counts for each, a claim about none of them under the subject None (the target
in general).
"""

from __future__ import annotations

from typing import Unpack

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import (
    CompareOptions,
    CompareRow,
    by_actor_then,
    compare_cells,
    narrowing,
)
from stancetrack.db.repository.subjects import stance_counts_by_subject, strongest_by_subject


def compare_by_subject(session: Session, **opts: Unpack[CompareOptions]) -> list[CompareRow]:
    """One row per actor and subject, by actor then subject (the target in general last)."""
    return compare_cells(
        session,
        stance_counts_by_subject(session, **narrowing(opts)),
        strongest=(lambda actors: strongest_by_subject(session, **narrowing(opts, actors)))
        if opts.get("evidence")
        else None,
        evidence_cell=lambda actor_id, subject: (actor_id, subject, None),
        fields=lambda _actor_id, subject: {"per_subject": True, "subject": subject},
        order=by_actor_then(lambda r: r.subject),
    )

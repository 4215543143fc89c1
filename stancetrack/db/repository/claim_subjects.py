"""The subjects side of claim reads: which claims are about a subject, and a page's subjects.

Kept apart from claim_filter.py and claims.py (which import this); the by-subject counts,
evidence and the cells `changes` walks live in subjects.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Claim, ClaimSubject
from stancetrack.db.repository.chunks import in_chunks


def about(subject: str) -> ColumnElement[bool]:
    """The claims about `subject` (as stored: the target's own spelling)."""
    return exists().where(ClaimSubject.claim_id == Claim.id, ClaimSubject.subject == subject)


def subjects_of(session: Session, claim_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """{claim id: its subjects, in stored order} for the claims that have any."""
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in in_chunks(claim_ids):
        stmt = (
            select(ClaimSubject.claim_id, ClaimSubject.subject)
            .where(ClaimSubject.claim_id.in_(chunk))
            .order_by(ClaimSubject.claim_id, ClaimSubject.subject)
        )
        for claim_id, subject in session.execute(stmt):
            out[claim_id].append(subject)
    return {k: tuple(v) for k, v in out.items()}

"""The subjects side of claim reads: which claims are about a subject, and a page's subjects.

Kept apart from analysis.py (its readers import this) so the claim queries stay one module
each; the by-subject counts and changes live in subjects.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Claim, ClaimSubject


def about(subject: str) -> ColumnElement[bool]:
    """The claims about `subject` (as stored: the target's own spelling)."""
    return exists().where(ClaimSubject.claim_id == Claim.id, ClaimSubject.subject == subject)


def subjects_of(session: Session, claim_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """{claim id: its subjects, in stored order} for the claims that have any."""
    out: dict[int, list[str]] = defaultdict(list)
    ids = list(claim_ids)
    for start in range(0, len(ids), 5000):
        stmt = (
            select(ClaimSubject.claim_id, ClaimSubject.subject)
            .where(ClaimSubject.claim_id.in_(ids[start : start + 5000]))
            .order_by(ClaimSubject.claim_id, ClaimSubject.subject)
        )
        for claim_id, subject in session.execute(stmt):
            out[claim_id].append(subject)
    return {k: tuple(v) for k, v in out.items()}

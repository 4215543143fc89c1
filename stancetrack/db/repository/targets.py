"""Which targets the database holds claims for: what a query's `--target` is matched
against (docs/ARCHITECTURE.md, Targets)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stancetrack.db.models import ActorStanceCount


def stored_targets(session: Session) -> list[str]:
    """Every target with stored claims, as stored, sorted.

    Read from the trigger-kept stance counts (a few rows per actor and target), not from
    the claims, so a million-claim database answers as fast as an empty one.
    """
    rows = session.scalars(
        select(ActorStanceCount.target).where(ActorStanceCount.claims > 0).distinct()
    )
    return sorted(rows)

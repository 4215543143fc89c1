"""The claims CSV's rows (`ClaimCsvRow`, docs/CONTRACTS.md), streamed from the database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stancetrack.db.models import Actor, Article, Claim, Run
from stancetrack.db.read_models import CLAIM_CSV_COLUMNS
from stancetrack.db.repository.claim_filter import ClaimFilter, in_reading_order
from stancetrack.db.repository.claim_subjects import subjects_of
from stancetrack.db.repository.claims import SPEAKER_EVIDENCE, STATEMENT


def iter_export_rows(
    session: Session, flt: ClaimFilter, *, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    """Every selected claim with its article, actor and run fields, streamed in batches: the
    one claims CSV layout (`ClaimCsvRow`, docs/CONTRACTS.md), one dict per row (a model per
    row would cost a million validations on a large export)."""
    stmt = in_reading_order(
        select(
            Claim.id,
            Claim.target,
            Article.id,
            Article.title,
            Article.url,
            Article.outlet,
            Article.published,
            Article.source,
            Article.sha256,
            Actor.name,
            Actor.id,
            Actor.actor_type,
            *STATEMENT,
            Claim.rationale,
            Claim.alignment,
            Run.id,
            Run.backend,
            Run.model,
            Run.prompt_version,
            *SPEAKER_EVIDENCE,
        ).join(Run, Run.id == Claim.run_id),
        flt,
    )
    result = iter(session.execute(stmt.execution_options(yield_per=batch)))
    while chunk := list(itertools.islice(result, batch)):
        subjects = subjects_of(session, [row[0] for row in chunk])
        for row in chunk:
            record: dict[str, Any] = dict(zip(CLAIM_CSV_COLUMNS, (*row, ""), strict=True))
            published = record["article_published"]
            record["article_published"] = published.isoformat() if published else None
            record["confidence"] = float(record["confidence"])
            record["subjects"] = "; ".join(subjects.get(row[0], ()))
            yield record

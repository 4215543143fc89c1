"""The claims CSV's rows (`ClaimCsvRow`, docs/CONTRACTS.md), streamed from the database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stancetrack.db.models import Actor, Article, Claim, Run
from stancetrack.db.read_models import CLAIM_CSV_COLUMNS
from stancetrack.db.repository.claim_filter import READING_ORDER, AnySelect, ClaimFilter, filtered
from stancetrack.db.repository.claim_subjects import subjects_of


def iter_export_rows(
    session: Session, flt: ClaimFilter, *, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    """Every selected claim with its article, actor and run fields, streamed in batches: the
    one claims CSV layout (`ClaimCsvRow`, docs/CONTRACTS.md), one dict per row (a model per
    row would cost a million validations on a large export)."""
    stmt: AnySelect = (
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
            Claim.speaker,
            Claim.quote,
            Claim.start,
            Claim.end,
            Claim.claim,
            Claim.attribution,
            Claim.stance,
            Claim.confidence,
            Claim.rationale,
            Claim.alignment,
            Run.id,
            Run.backend,
            Run.model,
            Run.prompt_version,
            Claim.speaker_start,
            Claim.speaker_end,
            Claim.speaker_evidence,
        )
        .join(Article, Article.id == Claim.article_id)
        .join(Actor, Actor.id == Claim.actor_id)
        .join(Run, Run.id == Claim.run_id)
    )
    stmt = filtered(stmt, flt).order_by(*READING_ORDER)
    if flt.limit is not None:
        stmt = stmt.limit(flt.limit)
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

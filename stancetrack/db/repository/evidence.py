"""A cell's evidence: the most confident claim per actor and stance, and per article
and/or subject when asked (compare's rows, `changes`' sides)."""

from __future__ import annotations

from dataclasses import replace
from typing import Unpack

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Claim, ClaimSubject
from stancetrack.db.repository.claim_filter import (
    AnySelect,
    ClaimFilter,
    Narrowing,
    filtered,
    narrowed,
)
from stancetrack.db.repository.claims import ArticleRef, ClaimRow, claim_row, claims_select
from stancetrack.db.repository.claims import with_subjects as _with_subjects

# (actor_id, subject or None, article_id or None, stance)
EvidenceKey = tuple[int, str | None, int | None, str]


def strongest_claims(
    session: Session,
    *,
    subject: str | None = None,
    by_article: bool = False,
    by_subject: bool = False,
    **keywords: Unpack[Narrowing],
) -> dict[EvidenceKey, ClaimRow]:
    """The most confident claim per (actor, subject or None, article or None, stance),
    among the claims about `subject` when given; the subject and article are None unless
    `by_subject` / `by_article` asks for them (by subject, a claim about none stands under
    None, one about two under each).

    Ties go to the earliest claim in reading order, so the choice is stable.
    """
    flt, verified_only = narrowed(keywords, subject)
    partition = [Claim.actor_id, Claim.stance]
    if by_article:
        partition.append(Claim.article_id)
    subject_column = ClaimSubject.subject if by_subject else literal(None)
    if by_subject:
        partition.append(ClaimSubject.subject)
    rank = func.row_number().over(
        partition_by=partition,
        order_by=(Claim.confidence.desc(), Claim.article_id, Claim.start, Claim.id),
    )
    candidates: AnySelect = select(
        Claim.id.label("claim_id"), subject_column.label("subject"), rank.label("rank")
    ).select_from(Claim)
    if by_subject:
        candidates = candidates.outerjoin(ClaimSubject, ClaimSubject.claim_id == Claim.id)
        if subject is not None:
            candidates = candidates.where(ClaimSubject.subject == subject)
            flt = replace(flt, subject=None)
    ranked = filtered(candidates, flt, verified_only=verified_only).subquery()
    stmt = (
        claims_select(ClaimFilter(flt.target))
        .add_columns(ranked.c.subject)
        .join(ranked, ranked.c.claim_id == Claim.id)
        .where(ranked.c.rank == 1)
        .order_by(None)
        .order_by(Claim.id)
    )
    refs: dict[int, ArticleRef] = {}
    found = [(claim_row(r, refs), r[-1]) for r in session.execute(stmt)]
    rows = {row.id: row for row in _with_subjects(session, [row for row, _ in found])}
    out: dict[EvidenceKey, ClaimRow] = {}
    for raw, subj in found:
        row = rows[raw.id]
        out[(row.actor_id, subj, row.article.id if by_article else None, row.stance)] = row
    return out

"""Counts per actor and subject (`compare --by subject`) and the cells `changes` walks.

A claim about two subjects counts for each; a claim about none counts under the subject
None (the target in general). Every query reads one target's claims, joined to
claim_subjects (LEFT OUTER: claims without subjects stay, under None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Claim, ClaimSubject
from stancetrack.db.read_models import ABSENT
from stancetrack.db.repository.analysis import (
    IN_CHUNK,
    AnySelect,
    ClaimRow,
    Counts,
    _claims_select,
    _row,
    with_subjects,
)
from stancetrack.db.repository.analysis import ClaimFilter as _Filter


def _narrowed(
    stmt: AnySelect,
    *,
    target: str,
    actor_ids: Sequence[int],
    article_ids: Sequence[int] = (),
    subject: str | None = None,
    verified_only: bool = False,
) -> AnySelect:
    stmt = stmt.where(Claim.target == target)
    if actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(list(actor_ids)))
    if article_ids:
        stmt = stmt.where(Claim.article_id.in_(list(article_ids)))
    if subject is not None:
        stmt = stmt.where(ClaimSubject.subject == subject)
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    return stmt


def stance_counts_by_subject(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    verified_only: bool = False,
) -> dict[tuple[int, str | None], Counts]:
    """{(actor_id, subject or None): Counts}."""
    stmt = _narrowed(
        select(Claim.actor_id, ClaimSubject.subject, Claim.stance, func.count())
        .select_from(Claim)
        .outerjoin(ClaimSubject, ClaimSubject.claim_id == Claim.id)
        .group_by(Claim.actor_id, ClaimSubject.subject, Claim.stance),
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified_only,
    )
    out: dict[tuple[int, str | None], Counts] = defaultdict(Counts)
    for actor_id, subject, stance, n in session.execute(stmt):
        out[(actor_id, subject)].add(stance, n)
    return dict(out)


def strongest_by_subject(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    by_article: bool = False,
    verified_only: bool = False,
) -> dict[tuple[int, str | None, int | None, str], ClaimRow]:
    """The most confident claim per (actor, subject, article or None, stance); ties to the
    earliest in reading order (as analysis.strongest_claims)."""
    partition = [Claim.actor_id, ClaimSubject.subject, Claim.stance]
    if by_article:
        partition.append(Claim.article_id)
    rank = (
        func.row_number()
        .over(
            partition_by=partition,
            order_by=(Claim.confidence.desc(), Claim.article_id, Claim.start, Claim.id),
        )
        .label("rank")
    )
    ranked = _narrowed(
        select(Claim.id.label("claim_id"), ClaimSubject.subject.label("subject"), rank)
        .select_from(Claim)
        .outerjoin(ClaimSubject, ClaimSubject.claim_id == Claim.id),
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified_only,
    ).subquery()
    top = select(ranked.c.claim_id, ranked.c.subject).where(ranked.c.rank == 1)
    wanted: dict[int, list[str | None]] = defaultdict(list)
    for claim_id, subject in session.execute(top):
        wanted[claim_id].append(subject)
    if not wanted:
        return {}
    ids = list(wanted)
    rows = with_subjects(
        session,
        [
            _row(r)
            for start in range(0, len(ids), IN_CHUNK)
            for r in session.execute(
                _claims_select(_Filter(target=target)).where(
                    Claim.id.in_(ids[start : start + IN_CHUNK])
                )
            )
        ],
    )
    out: dict[tuple[int, str | None, int | None, str], ClaimRow] = {}
    for row in rows:
        for subject in wanted[row.id]:
            article = row.article.id if by_article else None
            out[(row.actor_id, subject, article, row.stance)] = row
    return out


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
    stmt = _narrowed(
        select(
            Claim.actor_id,
            ClaimSubject.subject,
            Claim.published,
            Claim.article_id,
            Claim.stance,
            func.count(),
        )
        .select_from(Claim)
        .outerjoin(ClaimSubject, ClaimSubject.claim_id == Claim.id)
        .where(Claim.published.is_not(None))
        .group_by(
            Claim.actor_id, ClaimSubject.subject, Claim.published, Claim.article_id, Claim.stance
        ),
        target=target,
        actor_ids=actor_ids,
        subject=subject,
        verified_only=verified_only,
    )
    cells: dict[tuple[int, str | None, date, int], Counts] = {}
    for actor_id, subj, published, article_id, stance, n in session.execute(stmt):
        cells.setdefault((actor_id, subj, published, article_id), Counts()).add(stance, n)
    return [
        Cell(a, s, article, day, counts)
        for (a, s, day, article), counts in sorted(
            cells.items(),
            key=lambda kv: (kv[0][0], kv[0][1] is not None, kv[0][1] or "", *kv[0][2:]),
        )
    ]

"""Claims per stance, grouped: the one GROUP BY behind compare's cells, timeline's
totals and `changes`' dated cells (`stance_counts`), and its named shapes.

Over every claim of a target (or of some actors) per actor, the trigger-maintained
`actor_stance_counts` answers (a few rows per actor, which also count the absent claims:
migration 0011), never a claim; anything narrower groups the selected claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Unpack

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from stancetrack.db.models import ActorStanceCount, Article, Claim, ClaimSubject
from stancetrack.db.repository.claim_filter import (
    AnySelect,
    ClaimFilter,
    Narrowing,
    filtered,
    narrowed,
)
from stancetrack.schemas import STANCES

STANCE_NAMES = STANCES  # the schema's vocabulary, in its order


@dataclass
class Counts:
    """Claims per stance (every stance of the schema) for one actor, optionally in one article."""

    by_stance: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCES, 0))

    def add(self, stance: str, n: int) -> None:
        if stance in self.by_stance:
            self.by_stance[stance] += n

    def as_dict(self) -> dict[str, int]:
        return dict(self.by_stance)

    @property
    def total(self) -> int:
        return sum(self.by_stance.values())


# What claims can be grouped by besides their actor: (column, what the grouping joins).
Grouping = Literal["article", "outlet", "subject", "published"]
_COLUMNS: dict[Grouping, Any] = {
    "article": Claim.article_id,
    "outlet": Article.outlet,
    "subject": ClaimSubject.subject,
    "published": Claim.published,
}


def stance_counts(
    session: Session,
    flt: ClaimFilter,
    *,
    group_by: Sequence[Grouping] = (),
    verified_only: bool = False,
) -> dict[tuple[Any, ...], Counts]:
    """{(actor_id, *group_by values): Counts} over the claims `flt` selects (with
    `verified_only`, not those whose speaker is `absent`).

    By subject, a claim about two subjects counts for each and one about none under None
    (claim_subjects LEFT OUTER joined); `flt.subject` then keeps that subject's cells.
    """
    if not group_by and flt.plain:
        return {(a,): c for a, c in _kept_totals(session, flt, verified_only).items()}
    columns = [_COLUMNS[g] for g in group_by]
    stmt: AnySelect = select(Claim.actor_id, *columns, Claim.stance, func.count()).select_from(
        Claim
    )
    if "outlet" in group_by or flt.outlets:
        stmt = stmt.join(Article, Article.id == Claim.article_id)
    if "subject" in group_by:
        stmt = stmt.outerjoin(ClaimSubject, ClaimSubject.claim_id == Claim.id)
        if flt.subject is not None:
            stmt = stmt.where(ClaimSubject.subject == flt.subject)
            flt = replace(flt, subject=None)
    stmt = filtered(stmt, flt, verified_only=verified_only).group_by(
        Claim.actor_id, *columns, Claim.stance
    )
    return tally(session.execute(stmt))


def tally(rows: Iterable[Sequence[Any]]) -> dict[tuple[Any, ...], Counts]:
    """{key: Counts} from GROUP BY rows shaped (*key, stance, count)."""
    out: dict[tuple[Any, ...], Counts] = defaultdict(Counts)
    for *key, stance, n in rows:
        out[tuple(key)].add(stance, n)
    return dict(out)


def _kept_totals(session: Session, flt: ClaimFilter, verified_only: bool) -> dict[int, Counts]:
    """{actor_id: Counts} from `actor_stance_counts`, one row per actor pivoted in SQL (4x
    fewer rows to carry into Python)."""
    kept = (
        ActorStanceCount.claims - ActorStanceCount.absent
        if verified_only
        else ActorStanceCount.claims
    )
    pivot = [func.sum(case((ActorStanceCount.stance == st, kept), else_=0)) for st in STANCES]
    summary = (
        select(ActorStanceCount.actor_id, *pivot)
        .where(ActorStanceCount.target == flt.target)
        .group_by(ActorStanceCount.actor_id)
    )
    if flt.actor_ids:
        summary = summary.where(ActorStanceCount.actor_id.in_(list(flt.actor_ids)))
    totals: dict[int, Counts] = {}
    for actor_id, *numbers in session.execute(summary):
        counts = Counts(dict(zip(STANCES, (int(n or 0) for n in numbers), strict=True)))
        if counts.total:
            totals[actor_id] = counts
    return totals


# -- the named shapes compare's variants read ----------------------------------------------


def stance_counts_by_actor(session: Session, **keywords: Unpack[Narrowing]) -> dict[int, Counts]:
    """{actor_id: Counts}."""
    flt, verified_only = narrowed(keywords)
    return per_actor(stance_counts(session, flt, verified_only=verified_only))


def per_actor(counts: dict[tuple[Any, ...], Counts]) -> dict[int, Counts]:
    """Counts grouped by actor alone, keyed by the actor id."""
    return {key[0]: c for key, c in counts.items()}


def pairs(counts: dict[tuple[Any, ...], Counts]) -> dict[tuple[int, Any], Counts]:
    """Counts grouped by actor and one more column, keyed by the pair."""
    return {(key[0], key[1]): c for key, c in counts.items()}


def stance_counts_by_article(
    session: Session, *, subject: str | None = None, **keywords: Unpack[Narrowing]
) -> dict[tuple[int, int], Counts]:
    """{(actor_id, article_id): Counts}: the cells of the actor x article matrix (of the
    claims about `subject` when given)."""
    flt, verified_only = narrowed(keywords, subject)
    return pairs(stance_counts(session, flt, group_by=("article",), verified_only=verified_only))


def stance_counts_by_outlet(
    session: Session, **keywords: Unpack[Narrowing]
) -> dict[tuple[int, str | None], Counts]:
    """{(actor_id, outlet): Counts}: claims per actor and outlet (None: articles without URL)."""
    flt, verified_only = narrowed(keywords)
    return pairs(stance_counts(session, flt, group_by=("outlet",), verified_only=verified_only))

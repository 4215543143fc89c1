"""Which claims a read selects (`ClaimFilter`, `filtered`) and the reading order.

One target's claims always (a claim's stance is toward its target), narrowed by the rest;
every read of claims (lists, counts, evidence, export, report) selects through `filtered`.
Reading order is total, so output is stable: published date (undated last), article id,
character offset, claim id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Required, TypedDict

from sqlalchemy import Select, func, or_

from stancetrack.db.models import Actor, Article, Claim
from stancetrack.db.read_models import ABSENT, ClaimOut
from stancetrack.db.repository.claim_subjects import about
from stancetrack.db.repository.paging import DatedKey, after_dated

# Any SELECT, whatever its columns (SQLAlchemy 2.1 types Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """What a read selects: one target's claims, narrowed by the rest (empty means every
    claim of the target)."""

    target: str
    actor_ids: Sequence[int] = ()
    article_ids: Sequence[int] = ()
    stances: Sequence[str] = ()
    since: date | None = None
    until: date | None = None
    search: str | None = None
    limit: int | None = None
    outlets: Sequence[str] = ()  # articles' registrable domains (the read joins articles)
    # Only claims after this place in reading order (the cursor of a paged read).
    after: DatedKey | None = None
    subject: str | None = None  # only claims about this subject of the target
    dated: bool = False  # only claims whose article has a date

    @property
    def plain(self) -> bool:
        """Only a target and actors: what the kept per-actor totals can answer."""
        return not (
            self.article_ids
            or self.stances
            or self.since
            or self.until
            or self.search
            or self.outlets
            or self.after
            or self.subject is not None
            or self.dated
        )


def filtered(stmt: AnySelect, flt: ClaimFilter, *, verified_only: bool = False) -> AnySelect:
    """`stmt` narrowed to the claims `flt` selects (with `verified_only`, not those whose
    speaker the article does not name near the quote: evidence `absent`). `outlets` needs
    `articles` joined."""
    stmt = stmt.where(Claim.target == flt.target)
    if flt.actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(list(flt.actor_ids)))
    if flt.article_ids:
        stmt = stmt.where(Claim.article_id.in_(list(flt.article_ids)))
    if flt.stances:
        stmt = stmt.where(Claim.stance.in_(list(flt.stances)))
    if flt.outlets:
        stmt = stmt.where(Article.outlet.in_(list(flt.outlets)))
    if flt.subject is not None:
        stmt = stmt.where(about(flt.subject))
    if flt.since is not None:
        stmt = stmt.where(Claim.published >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(Claim.published <= flt.until)
    if flt.dated:
        stmt = stmt.where(Claim.published.is_not(None))
    if flt.search:
        needle = flt.search.lower()
        stmt = stmt.where(
            or_(
                func.lower(Claim.claim).contains(needle, autoescape=True),
                func.lower(Claim.quote).contains(needle, autoescape=True),
            )
        )
    if flt.after is not None:
        stmt = stmt.where(
            after_dated(Claim.published, (Claim.article_id, Claim.start, Claim.id), flt.after)
        )
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    return stmt


class Narrowing(TypedDict, total=False):
    """The keywords of the reads behind `compare` and its variants (counts, evidence,
    stories): one target's claims, of some actors and articles (none: all), and whether
    claims whose speaker is `absent` are left out."""

    target: Required[str]
    actor_ids: Sequence[int]
    article_ids: Sequence[int]
    verified_only: bool


def narrowed(keywords: Narrowing, subject: str | None = None) -> tuple[ClaimFilter, bool]:
    """The filter and the `verified_only` flag that `keywords` ask for."""
    flt = ClaimFilter(
        keywords["target"],
        actor_ids=keywords.get("actor_ids", ()),
        article_ids=keywords.get("article_ids", ()),
        subject=subject,
    )
    return flt, keywords.get("verified_only", False)


# Reading order. `claims.published` is the article's date (migration 0011).
TIES = (Claim.article_id, Claim.start, Claim.id)
READING_ORDER = (Claim.published.is_(None), Claim.published, *TIES)


def claim_key(row: ClaimOut) -> DatedKey:
    """A claim's place in reading order: where the next page starts."""
    return DatedKey(row.article.published, (row.article.id, row.start, row.id))


def in_reading_order(
    stmt: AnySelect, flt: ClaimFilter, *, verified_only: bool = False
) -> AnySelect:
    """`stmt`, a select of claim columns, with each claim's article and actor joined, narrowed
    to what `flt` selects, in reading order and cut at `flt.limit`: what lists and exports
    of claims read."""
    stmt = stmt.join(Article, Article.id == Claim.article_id).join(
        Actor, Actor.id == Claim.actor_id
    )
    stmt = filtered(stmt, flt, verified_only=verified_only).order_by(*READING_ORDER)
    return stmt if flt.limit is None else stmt.limit(flt.limit)

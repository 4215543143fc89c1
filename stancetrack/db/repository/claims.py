"""Claims as read models: pages in reading order, claims of given articles, article refs,
and the articles a selection's claims come from (with their text, for the report)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Date, literal, select, tuple_
from sqlalchemy.orm import Session

from stancetrack.db.models import Actor, Article, Claim
from stancetrack.db.read_models import ArticleRefOut, ClaimOut
from stancetrack.db.repository.chunks import in_chunks
from stancetrack.db.repository.claim_filter import (
    TIES,
    AnySelect,
    ClaimFilter,
    filtered,
    in_reading_order,
)
from stancetrack.db.repository.claim_subjects import subjects_of

# The answers' read models are the repository's rows (db/read_models.py): one definition.
ArticleRef = ArticleRefOut
ClaimRow = ClaimOut


# A claim's statement and its speaker evidence, in the order both claim layouts list them
# (ClaimOut, ClaimCsvRow); selected by `claims_select` and by the export.
STATEMENT = (
    Claim.speaker,
    Claim.quote,
    Claim.start,
    Claim.end,
    Claim.claim,
    Claim.attribution,
    Claim.stance,
    Claim.confidence,
)
SPEAKER_EVIDENCE = (Claim.speaker_start, Claim.speaker_end, Claim.speaker_evidence)


def article_ref(
    id_: int, title: str, url: str | None, published: date | None, outlet: str | None = None
) -> ArticleRef:
    return ArticleRef(id=id_, title=title, url=url, published=published, outlet=outlet)


def claims_select(flt: ClaimFilter, *, verified_only: bool = False) -> AnySelect:
    """The columns `claim_row` reads, of the claims `flt` selects, in reading order."""
    return in_reading_order(
        select(
            Claim.id,
            Article.id,
            Article.title,
            Article.url,
            Article.published,
            Claim.actor_id,
            Actor.name,
            *STATEMENT,
            Claim.target,
            Article.outlet,
            *SPEAKER_EVIDENCE,
            Claim.run_id,
        ),
        flt,
        verified_only=verified_only,
    )


def claim_row(r: Sequence[Any], refs: dict[int, ArticleRef] | None = None) -> ClaimRow:
    """A row of `claims_select` as its read model; `refs` shares one (frozen) article ref
    among the claims of an article: validated once per article, not once per claim."""
    ref = refs.get(r[1]) if refs is not None else None
    if ref is None:
        ref = article_ref(r[1], r[2], r[3], r[4], r[16])
        if refs is not None:
            refs[r[1]] = ref
    return ClaimRow(
        id=r[0],
        outlet=r[16],
        article=ref,
        actor_id=r[5],
        actor=r[6],
        speaker=r[7],
        quote=r[8],
        start=r[9],
        end=r[10],
        claim=r[11],
        attribution=r[12],
        stance=r[13],
        confidence=float(r[14]),
        target=r[15],
        speaker_start=r[17],
        speaker_end=r[18],
        speaker_evidence=r[19],
        run_id=r[20],
    )


def list_claims(session: Session, flt: ClaimFilter) -> list[ClaimRow]:
    """The selected claims in reading order: dated claims by date, then undated ones.

    Two queries, one per part, each ordered exactly as ix_claims_target_actor_published
    (or ix_claims_target_published) is, with the cursor as a row-value bound: a page is
    an index range scan wherever it starts. One ORDER BY `published IS NULL, ...` would
    sort every selected claim before the LIMIT (BENCHMARKS.md, the service under load).

    Claims of given articles are a few rows found by article (uq_claims_span): that one
    sorted query, which no reading-order index can serve, keeps the planner from walking a
    whole target in date order to find them.
    """
    return with_subjects(session, _list_claims(session, flt))


def with_subjects(session: Session, rows: list[ClaimRow]) -> list[ClaimRow]:
    """`rows` with their subjects (one query for the page)."""
    found = subjects_of(session, [r.id for r in rows])
    return [
        r.model_copy(update={"subjects": tuple(found[r.id])}) if r.id in found else r for r in rows
    ]


def _list_claims(session: Session, flt: ClaimFilter) -> list[ClaimRow]:
    refs: dict[int, ArticleRef] = {}
    if flt.article_ids:
        return [claim_row(r, refs) for r in session.execute(claims_select(flt))]
    plain = replace(flt, after=None)
    after = flt.after
    rows: list[ClaimRow] = []
    if after is None or after.published is not None:
        dated = claims_select(replace(plain, limit=None)).where(Claim.published.is_not(None))
        if after is not None:
            dated = dated.where(
                tuple_(Claim.published, *TIES)
                > tuple_(literal(after.published, Date()), *after.ties)
            )
        dated = dated.order_by(None).order_by(Claim.published, *TIES)
        if flt.limit is not None:
            dated = dated.limit(flt.limit)
        rows += (claim_row(r, refs) for r in session.execute(dated))
    if flt.limit is not None and len(rows) >= flt.limit:
        return rows
    undated = claims_select(replace(plain, limit=None)).where(Claim.published.is_(None))
    if after is not None and after.published is None:
        undated = undated.where(tuple_(*TIES) > tuple_(*after.ties))
    undated = undated.order_by(None).order_by(*TIES)
    if flt.limit is not None:
        undated = undated.limit(flt.limit - len(rows))
    rows += (claim_row(r, refs) for r in session.execute(undated))
    return rows


def claims_in_articles(
    session: Session, article_ids: Sequence[int], *, target: str
) -> list[ClaimRow]:
    return list_claims(session, ClaimFilter(target=target, article_ids=article_ids))


def article_refs(session: Session, ids: Sequence[int]) -> dict[int, ArticleRef]:
    out: dict[int, ArticleRef] = {}
    for chunk in in_chunks(ids):
        stmt = select(
            Article.id, Article.title, Article.url, Article.published, Article.outlet
        ).where(Article.id.in_(chunk))
        out.update({r[0]: article_ref(*r) for r in session.execute(stmt)})
    return out


@dataclass(frozen=True, slots=True)
class ArticleText:
    ref: ArticleRef
    source: str
    text: str


def articles_with_claims(session: Session, flt: ClaimFilter) -> list[ArticleText]:
    """Articles holding at least one selected claim, with their full text, oldest first."""
    ids = filtered(
        select(Claim.article_id).join(Article, Article.id == Claim.article_id), flt
    ).distinct()
    stmt = (
        select(
            Article.id,
            Article.title,
            Article.url,
            Article.published,
            Article.source,
            Article.text,
            Article.outlet,
        )
        .where(Article.id.in_(ids))
        .order_by(Article.published.is_(None), Article.published, Article.id)
    )
    return [
        ArticleText(article_ref(r[0], r[1], r[2], r[3], r[6]), r[4], r[5])
        for r in session.execute(stmt)
    ]

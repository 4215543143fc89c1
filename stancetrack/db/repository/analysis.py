"""Read-only queries behind claims, actors, compare, diff, timeline, export and report.

Queries aggregate in the database (GROUP BY over the (actor_id, stance) and
(article_id, actor_id) indexes) and return small plain rows; ordering is always total so
output is stable: published date (undated last), article id, character offset, claim id.
Every query reads ONE target's claims (a claim's stance is toward its target): the filter's
`target`, or the `target` keyword, defaulting to the configured default target.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, case, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from stancetrack.db.models import Actor, ActorAlias, ActorStanceCount, Article, Claim, Run
from stancetrack.db.read_models import ABSENT, CLAIM_CSV_COLUMNS, ArticleRefOut, ClaimOut
from stancetrack.db.repository.claim_subjects import about, subjects_of
from stancetrack.db.repository.paging import DatedKey, after_dated
from stancetrack.schemas import STANCES

STANCE_NAMES = STANCES  # the schema's vocabulary, in its order

# Any SELECT, whatever its columns (SQLAlchemy 2.1 types Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]


# The answers' read models are the repository's rows (db/read_models.py): one definition.
ArticleRef = ArticleRefOut
ClaimRow = ClaimOut


def claim_key(row: ClaimRow) -> DatedKey:
    """A claim's place in reading order: where the next page starts."""
    return DatedKey(row.article.published, (row.article.id, row.start, row.id))


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """What `claims`, `export` and `report` select: one target's claims, narrowed by the rest
    (empty means every claim of the target)."""

    target: str
    actor_ids: Sequence[int] = ()
    article_ids: Sequence[int] = ()
    stances: Sequence[str] = ()
    since: date | None = None
    until: date | None = None
    search: str | None = None
    limit: int | None = None
    outlets: Sequence[str] = ()  # articles' registrable domains
    # Only claims after this place in reading order (the cursor of a paged read).
    after: DatedKey | None = None
    subject: str | None = None  # only claims about this subject of the target


def _article_ref(
    id_: int, title: str, url: str | None, published: date | None, outlet: str | None = None
) -> ArticleRef:
    return ArticleRef(id=id_, title=title, url=url, published=published, outlet=outlet)


def _filtered(stmt: AnySelect, flt: ClaimFilter) -> AnySelect:
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
    return stmt


# Reading order. `claims.published` is the article's date (migration 0011).
_TIES = (Claim.article_id, Claim.start, Claim.id)
_ORDER = (Claim.published.is_(None), Claim.published, *_TIES)


def _claims_select(flt: ClaimFilter) -> AnySelect:
    stmt: AnySelect = (
        select(
            Claim.id,
            Article.id,
            Article.title,
            Article.url,
            Article.published,
            Claim.actor_id,
            Actor.name,
            Claim.speaker,
            Claim.quote,
            Claim.start,
            Claim.end,
            Claim.claim,
            Claim.attribution,
            Claim.stance,
            Claim.confidence,
            Claim.target,
            Article.outlet,
            Claim.speaker_start,
            Claim.speaker_end,
            Claim.speaker_evidence,
            Claim.run_id,
        )
        .join(Article, Article.id == Claim.article_id)
        .join(Actor, Actor.id == Claim.actor_id)
    )
    stmt = _filtered(stmt, flt).order_by(*_ORDER)
    if flt.limit is not None:
        stmt = stmt.limit(flt.limit)
    return stmt


def _row(r: Sequence[Any], refs: dict[int, ArticleRef] | None = None) -> ClaimRow:
    """A claim row as its read model; `refs` shares one (frozen) article ref among the
    claims of an article: validated once per article, not once per claim."""
    ref = refs.get(r[1]) if refs is not None else None
    if ref is None:
        ref = _article_ref(r[1], r[2], r[3], r[4], r[16])
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
        return [_row(r, refs) for r in session.execute(_claims_select(flt))]
    plain = replace(flt, after=None)
    after = flt.after
    rows: list[ClaimRow] = []
    if after is None or after.published is not None:
        dated = _claims_select(replace(plain, limit=None)).where(Claim.published.is_not(None))
        if after is not None:
            dated = dated.where(
                tuple_(Claim.published, *_TIES)
                > tuple_(literal(after.published, Date()), *after.ties)
            )
        dated = dated.order_by(None).order_by(Claim.published, *_TIES)
        if flt.limit is not None:
            dated = dated.limit(flt.limit)
        rows += (_row(r, refs) for r in session.execute(dated))
    if flt.limit is not None and len(rows) >= flt.limit:
        return rows
    undated = _claims_select(replace(plain, limit=None)).where(Claim.published.is_(None))
    if after is not None and after.published is None:
        undated = undated.where(tuple_(*_TIES) > tuple_(*after.ties))
    undated = undated.order_by(None).order_by(*_TIES)
    if flt.limit is not None:
        undated = undated.limit(flt.limit - len(rows))
    rows += (_row(r, refs) for r in session.execute(undated))
    return rows


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
    stmt = _filtered(stmt, flt).order_by(*_ORDER)
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


# -- counts ------------------------------------------------------------------------------------


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


def actor_names(session: Session, ids: Sequence[int] | None = None) -> dict[int, str]:
    stmt = select(Actor.id, Actor.name)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(Actor.id.in_(list(ids)))
    return {i: n for i, n in session.execute(stmt)}


def stance_counts(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    verified_only: bool = False,
) -> dict[int, Counts]:
    """{actor_id: Counts} over the selected claims of `target` (with `verified_only`, not
    those whose speaker the article does not name near the quote: evidence `absent`).

    Over all articles this reads the trigger-maintained `actor_stance_counts` (a few rows
    per actor, which also count the absent claims: migration 0011), never a claim; within
    given articles it groups their claims (article index).
    """
    if not article_ids:
        # One row per actor, pivoted in SQL: 4x fewer rows to carry into Python.
        kept = (
            ActorStanceCount.claims - ActorStanceCount.absent
            if verified_only
            else ActorStanceCount.claims
        )
        pivot = [
            func.sum(case((ActorStanceCount.stance == st, kept), else_=0)) for st in STANCE_NAMES
        ]
        summary = (
            select(ActorStanceCount.actor_id, *pivot)
            .where(ActorStanceCount.target == target)
            .group_by(ActorStanceCount.actor_id)
        )
        if actor_ids:
            summary = summary.where(ActorStanceCount.actor_id.in_(list(actor_ids)))
        totals: dict[int, Counts] = {}
        for actor_id, *numbers in session.execute(summary):
            counts = Counts(dict(zip(STANCES, (int(n or 0) for n in numbers), strict=True)))
            if counts.total:
                totals[actor_id] = counts
        return totals
    stmt = (
        select(Claim.actor_id, Claim.stance, func.count())
        .where(Claim.target == target)
        .group_by(Claim.actor_id, Claim.stance)
    )
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    if actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(list(actor_ids)))
    if article_ids:
        stmt = stmt.where(Claim.article_id.in_(list(article_ids)))
    out: dict[int, Counts] = defaultdict(Counts)
    for actor_id, stance, n in session.execute(stmt):
        out[actor_id].add(stance, n)
    return dict(out)


def filtered_stance_counts(
    session: Session, flt: ClaimFilter, *, verified_only: bool = False
) -> dict[int, Counts]:
    """{actor_id: Counts} over the claims a filter selects (dates, text...): a GROUP BY over
    those claims, for when the kept per-actor totals cannot answer (see `stance_counts`)."""
    stmt = _filtered(
        select(Claim.actor_id, Claim.stance, func.count())
        .join(Article, Article.id == Claim.article_id)
        .group_by(Claim.actor_id, Claim.stance),
        flt,
    )
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    out: dict[int, Counts] = defaultdict(Counts)
    for actor_id, stance, n in session.execute(stmt):
        out[actor_id].add(stance, n)
    return dict(out)


def stance_counts_by_article(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    verified_only: bool = False,
    subject: str | None = None,
) -> dict[tuple[int, int], Counts]:
    """{(actor_id, article_id): Counts}: the cells of the actor x article matrix (of the
    claims about `subject` when given)."""
    stmt = (
        select(Claim.actor_id, Claim.article_id, Claim.stance, func.count())
        .where(Claim.target == target)
        .group_by(Claim.actor_id, Claim.article_id, Claim.stance)
    )
    if subject is not None:
        stmt = stmt.where(about(subject))
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    if actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(list(actor_ids)))
    if article_ids:
        stmt = stmt.where(Claim.article_id.in_(list(article_ids)))
    out: dict[tuple[int, int], Counts] = defaultdict(Counts)
    for actor_id, article_id, stance, n in session.execute(stmt):
        out[(actor_id, article_id)].add(stance, n)
    return dict(out)


def stance_counts_by_outlet(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    verified_only: bool = False,
) -> dict[tuple[int, str | None], Counts]:
    """{(actor_id, outlet): Counts}: claims per actor and outlet (None: articles without URL)."""
    stmt = (
        select(Claim.actor_id, Article.outlet, Claim.stance, func.count())
        .join(Article, Article.id == Claim.article_id)
        .where(Claim.target == target)
        .group_by(Claim.actor_id, Article.outlet, Claim.stance)
    )
    if verified_only:
        stmt = stmt.where(Claim.speaker_evidence != ABSENT)
    if actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(list(actor_ids)))
    if article_ids:
        stmt = stmt.where(Claim.article_id.in_(list(article_ids)))
    out: dict[tuple[int, str | None], Counts] = defaultdict(Counts)
    for actor_id, outlet, stance, n in session.execute(stmt):
        out[(actor_id, outlet)].add(stance, n)
    return dict(out)


# Ids bound in one IN list at most: SQLite refuses more than 32,766 variables in a statement
# (`changes` over every actor of a million claims asked for 990,000 at once).
IN_CHUNK = 5000


def article_refs(session: Session, ids: Sequence[int]) -> dict[int, ArticleRef]:
    wanted = list(ids)
    out: dict[int, ArticleRef] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        stmt = select(
            Article.id, Article.title, Article.url, Article.published, Article.outlet
        ).where(Article.id.in_(wanted[start : start + IN_CHUNK]))
        out.update({r[0]: _article_ref(*r) for r in session.execute(stmt)})
    return out


def strongest_claims(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    by_article: bool = False,
    verified_only: bool = False,
    subject: str | None = None,
) -> dict[tuple[int, int | None, str], ClaimRow]:
    """The most confident claim per (actor, article or None, stance): a cell's evidence
    (among the claims about `subject` when given).

    Ties go to the earliest claim in reading order, so the choice is stable.
    """
    flt = ClaimFilter(target=target, actor_ids=actor_ids, article_ids=article_ids, subject=subject)
    partition = [Claim.actor_id, Claim.stance] + ([Claim.article_id] if by_article else [])
    rank = (
        func.row_number()
        .over(
            partition_by=partition,
            order_by=(Claim.confidence.desc(), Claim.article_id, Claim.start, Claim.id),
        )
        .label("rank")
    )
    candidates = _filtered(
        select(Claim.id.label("claim_id"), rank).join(Article, Article.id == Claim.article_id),
        flt,
    )
    if verified_only:
        candidates = candidates.where(Claim.speaker_evidence != ABSENT)
    ranked = candidates.subquery()
    top = select(ranked.c.claim_id).where(ranked.c.rank == 1)
    stmt = (
        _claims_select(ClaimFilter(target=target))
        .where(Claim.id.in_(top))
        .order_by(None)
        .order_by(Claim.id)
    )
    out: dict[tuple[int, int | None, str], ClaimRow] = {}
    for row in with_subjects(session, [_row(raw) for raw in session.execute(stmt)]):
        out[(row.actor_id, row.article.id if by_article else None, row.stance)] = row
    return out


# -- actors listing --------------------------------------------------------------------------


@dataclass
class ActorSummary:
    id: int
    name: str
    actor_type: str
    aliases: list[str] = field(default_factory=list)
    user_aliases: list[str] = field(default_factory=list)
    claims: int = 0
    articles: int = 0
    counts: Counts = field(default_factory=Counts)


def actor_ids_page(session: Session, *, after: str | None, limit: int) -> list[int]:
    """The ids of up to `limit` actors after the name `after`, in name order (unique index)."""
    stmt = select(Actor.id).order_by(Actor.name).limit(limit)
    if after is not None:
        stmt = stmt.where(Actor.name > after)
    return list(session.scalars(stmt))


def actor_summaries(
    session: Session, ids: Sequence[int] = (), *, target: str
) -> list[ActorSummary]:
    """Every actor (or the given ones) with aliases, and claim/article/stance counts in
    `target` (the registry is shared by all targets; the counts are one target's)."""
    stmt = select(Actor.id, Actor.name, Actor.key, Actor.actor_type).order_by(Actor.name)
    if ids:
        stmt = stmt.where(Actor.id.in_(list(ids)))
    actors = {r[0]: (ActorSummary(r[0], r[1], r[3]), r[2]) for r in session.execute(stmt)}
    alias_stmt = select(
        ActorAlias.actor_id, ActorAlias.alias, ActorAlias.key, ActorAlias.origin
    ).order_by(ActorAlias.actor_id, ActorAlias.id)
    if ids:
        alias_stmt = alias_stmt.where(ActorAlias.actor_id.in_(list(ids)))
    seen: dict[int, set[str]] = defaultdict(set)
    for actor_id, alias, key, origin in session.execute(alias_stmt):
        if actor_id not in actors:
            continue
        summary, own_key = actors[actor_id]
        if key == own_key or key in seen[actor_id] or alias == summary.name:
            continue
        seen[actor_id].add(key)
        summary.aliases.append(alias)
        if origin == "user":
            summary.user_aliases.append(alias)
    for actor_id, counts in stance_counts(session, target=target, actor_ids=ids).items():
        if actor_id in actors:
            actors[actor_id][0].counts = counts
            actors[actor_id][0].claims = counts.total
    art_stmt = (
        select(Claim.actor_id, func.count(func.distinct(Claim.article_id)))
        .where(Claim.target == target)
        .group_by(Claim.actor_id)
    )
    if ids:
        art_stmt = art_stmt.where(Claim.actor_id.in_(list(ids)))
    for actor_id, n in session.execute(art_stmt):
        if actor_id in actors:
            actors[actor_id][0].articles = n
    return [summary for summary, _key in actors.values()]


def claims_in_articles(
    session: Session, article_ids: Sequence[int], *, target: str
) -> list[ClaimRow]:
    return list_claims(session, ClaimFilter(target=target, article_ids=article_ids))


@dataclass(frozen=True, slots=True)
class ArticleText:
    ref: ArticleRef
    source: str
    text: str


def articles_with_claims(session: Session, flt: ClaimFilter) -> list[ArticleText]:
    """Articles holding at least one selected claim, with their full text, oldest first."""
    ids = _filtered(
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
        ArticleText(_article_ref(r[0], r[1], r[2], r[3], r[6]), r[4], r[5])
        for r in session.execute(stmt)
    ]

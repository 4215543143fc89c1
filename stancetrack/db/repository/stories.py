"""Stories: near-identical articles (one wire story in several outlets) grouped at ingestion,
and the per-story counts of `compare`/`timeline --per story`.

Grouping (see docs/ARCHITECTURE.md, stories): a new article's MinHash band keys
(ingest/fingerprint.py) are looked up in `story_bands` among the articles of its own week
and the weeks either side (primary key (week, key, article_id): one index range per week and
key), the few stored articles sharing the most bands are compared by their full signatures,
and the article joins the story of the most similar one at or above THRESHOLD, else it
founds its own story (`story_id` = its id). The cost is a handful of indexed statements on
the recent part of the index, whatever the number of stored articles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Unpack, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Integer,
    bindparam,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Select

from stancetrack.db.models import Article, Claim, StoryBand, StorySignature
from stancetrack.db.repository.claim_filter import (
    AnySelect,
    ClaimFilter,
    Narrowing,
    filtered,
    narrowed,
)
from stancetrack.db.repository.claims import ArticleRef
from stancetrack.db.repository.counts import Counts, pairs, per_actor, tally
from stancetrack.ingest.fingerprint import THRESHOLD, Fingerprint, fingerprint, similarity

# Stored articles whose full signatures are compared with a new one (those sharing the most
# bands): bounds the work when one story has been carried by hundreds of outlets.
MAX_CANDIDATES = 20


# Copies of one wire story run within days of each other: an article is compared with those
# of its week and of WEEKS_APART weeks either side (so always with those published up to 7
# days from it, and never with those more than 7 * (WEEKS_APART + 1) days away). An article
# without a date is filed under the week it was stored in. Bounding the lookup in time is what
# lets the keys of new articles share the recent pages of the index (models.StoryBand).
WEEKS_APART = 1
_NEARBY = range(-WEEKS_APART, WEEKS_APART + 1)  # the weeks looked up, relative to the article's
_MONDAY = date(1970, 1, 5).toordinal()  # weeks run Monday to Sunday


def week_of(day: date) -> int:
    """The week an article's band keys are filed under (weeks since 1970-01-05)."""
    return (day.toordinal() - _MONDAY) // 7


def story_day(published: date | None, stored_at: datetime) -> date:
    """The day an article is grouped by: its date, else the day it was stored."""
    return published or stored_at.date()


class _Compiled:
    """A statement compiled once per dialect and run by the driver with plain values.

    The story statements run for every stored article, with 32 band keys in three weeks
    (480 parameters for the lookup); SQLAlchemy's per-call parameter processing cost
    about three times the lookup itself (BENCHMARKS.md, issue 20). The values bound here
    are ints and bytes, which neither driver converts, so nothing is lost by skipping it.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, tuple[str, dict[str, Any], Sequence[str] | None]] = {}

    def _compiled(self, conn: Connection) -> tuple[str, dict[str, Any], Sequence[str] | None]:
        name = conn.dialect.name
        found = self._by_dialect.get(name)
        if found is None:
            compiled = cast(SQLCompiler, self.statement.compile(dialect=conn.dialect))
            # The statement's own values (LIMIT 16 OFFSET 0) and the order of `?` markers.
            defaults = dict(compiled.construct_params(_check=False) or {})
            order = compiled.positiontup if compiled.positional else None
            found = (str(compiled), defaults, order)
            self._by_dialect[name] = found
        return found

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a query."""
        return [tuple(row) for row in self.run(conn, params)]

    def run(
        self, conn: Connection, params: Mapping[str, Any] | list[dict[str, Any]]
    ) -> CursorResult[Any]:
        """Execute with one set of values, or several (executemany)."""
        sql, defaults, order = self._compiled(conn)

        def values(given: Mapping[str, Any]) -> Any:
            merged = {**defaults, **given}
            return tuple([merged[name] for name in order]) if order is not None else merged

        if isinstance(params, list):
            return conn.exec_driver_sql(sql, [values(p) for p in params])
        return conn.exec_driver_sql(sql, values(params))


# Built once: constructing them per article cost about as much as running them.
# Stored articles read per band key: the newest ones. A story carried by hundreds of outlets
# (or boilerplate every article of a feed shares) would otherwise make every new copy read
# all of them; its newest copies are in the story already.
PER_BAND = 16


@cache
def _band_lookup(n_keys: int) -> _Compiled:
    return _Compiled(_band_rows(n_keys))


@cache
def _signatures(n_ids: int) -> _Compiled:
    """(article_id, signature, story_id) of these stored articles (bound `i0`...)."""
    ids = [bindparam(f"i{i}", type_=Integer) for i in range(n_ids)]
    return _Compiled(
        select(StorySignature.article_id, StorySignature.signature, Article.story_id)
        .join(Article, Article.id == StorySignature.article_id)
        .where(StorySignature.article_id.in_(ids))
    )


@cache
def _band_rows(n_keys: int) -> Select[int, int]:
    """(key, article_id) of the stored articles sharing band keys (bound `k0`...) in the
    nearby weeks (bound `w0`...), at most PER_BAND (the newest) per week and key: one UNION
    ALL of index range scans, built once per key count. One part per (week, key), not per
    key over a list of weeks: each part then reads the primary key in `article_id` order,
    where a week list made SQLite sort each part (3.3 ms an article, against 0.1 ms)."""
    parts = [
        select(
            select(StoryBand.key, StoryBand.article_id)
            .where(StoryBand.week == bindparam(f"w{w}", type_=Integer))
            .where(StoryBand.key == bindparam(f"k{i}"))
            .where(StoryBand.article_id != bindparam("article"))
            .order_by(StoryBand.article_id.desc())
            .limit(PER_BAND)
            .subquery()
        )
        for i in range(n_keys)
        for w, _ in enumerate(_NEARBY)
    ]
    return select(union_all(*parts).subquery())


def _band_hits(rows: Iterable[tuple[int, int]]) -> list[int]:
    """The stored articles sharing the most band keys, at most MAX_CANDIDATES (most shared
    first, then the lowest id), counting the newest PER_BAND per key. An article's keys sit
    in one week, so the weeks' rows of a key are distinct articles."""
    per_key: dict[int, list[int]] = defaultdict(list)
    for key, other in rows:
        per_key[key].append(other)
    shared: Counter[int] = Counter()
    for others in per_key.values():
        shared.update(sorted(others, reverse=True)[:PER_BAND])
    ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))
    return [other for other, _n in ranked[:MAX_CANDIDATES]]


_INSERT_SIGNATURE = _Compiled(
    insert(StorySignature).values(
        article_id=bindparam("article_id", type_=Integer), signature=bindparam("signature")
    )
)
_INSERT_BANDS = _Compiled(
    insert(StoryBand).values(
        week=bindparam("week", type_=Integer),
        key=bindparam("key"),
        article_id=bindparam("article_id", type_=Integer),
    )
)
_SET_STORY = _Compiled(
    update(Article).where(Article.id == bindparam("article")).values(story_id=bindparam("story"))
)


def assign_story(
    conn: Connection, article_id: int, text: str, day: date, found: Fingerprint | None = None
) -> int:
    """Put a just-stored article in its story (joining a near-identical one's of nearby
    weeks, or its own); store its fingerprint for the articles after it. `day` is the
    article's `story_day`. Returns the story id.

    `found`: the text's fingerprint computed before the transaction (the MinHash is CPU,
    not database work: pipeline/preparing.py); None: computed here (a text too short to
    have one costs nothing to look at again)."""
    if found is None:
        found = fingerprint(text)
    story = article_id
    if found is not None:
        week = week_of(day)
        keys = sorted(set(found.bands))
        params: dict[str, int] = {f"k{i}": key for i, key in enumerate(keys)}
        params.update({f"w{i}": week + offset for i, offset in enumerate(_NEARBY)})
        params["article"] = article_id
        shared = _band_lookup(len(keys)).rows(conn, params)
        hits = _band_hits((key, other) for key, other in shared)
        if hits:
            rows = _signatures(len(hits)).rows(conn, {f"i{i}": h for i, h in enumerate(hits)})
            scored = [
                (similarity(found.signature, signature), -other, other_story)
                for other, signature, other_story in rows
            ]
            best = max(scored, default=None)
            if best is not None and best[0] >= THRESHOLD:
                story = best[2] if best[2] is not None else -best[1]
        _INSERT_SIGNATURE.run(conn, {"article_id": article_id, "signature": found.signature})
        _INSERT_BANDS.run(
            conn, [{"week": week, "key": key, "article_id": article_id} for key in keys]
        )
    _SET_STORY.run(conn, {"article": article_id, "story": story})
    return story


# -- per-story counts -----------------------------------------------------------------------

_STORY = func.coalesce(Article.story_id, Article.id)


def _distinct_claims(flt: ClaimFilter, verified_only: bool = False) -> AnySelect:
    """One row per (story, actor, stance, quote): a quote repeated in copies counts once
    (with `verified_only`, as `compare`: claims whose speaker is not named are left out)."""
    stmt = (
        select(
            _STORY.label("story"),
            Claim.actor_id.label("actor_id"),
            Claim.stance.label("stance"),
            func.lower(Claim.quote).label("quote"),
        )
        .join(Article, Article.id == Claim.article_id)
        .distinct()
    )
    return filtered(stmt, flt, verified_only=verified_only)


def story_counts(session: Session, **keywords: Unpack[Narrowing]) -> dict[int, Counts]:
    """{actor_id: Counts} with a claim carried by several copies of a story counted once."""
    return per_actor(tally(session.execute(_story_tally(keywords, by_story=False))))


def story_counts_by_story(
    session: Session, **keywords: Unpack[Narrowing]
) -> dict[tuple[int, int], Counts]:
    """{(actor_id, story_id): Counts}, each claim once per story."""
    return pairs(tally(session.execute(_story_tally(keywords, by_story=True))))


def _story_tally(keywords: Narrowing, *, by_story: bool) -> AnySelect:
    """(actor_id, [story,] stance, count) over the distinct claims of `_distinct_claims`."""
    inner = _distinct_claims(*narrowed(keywords)).subquery()
    keys = [inner.c.actor_id, *([inner.c.story] if by_story else []), inner.c.stance]
    return select(*keys, func.count()).group_by(*keys)


def actor_stories(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
) -> dict[int, tuple[int, tuple[str, ...]]]:
    """{actor_id: (stories, outlets)}: in how many stories the actor's claims appear, and
    the outlets that carried them (sorted)."""
    stmt = filtered(
        select(Claim.actor_id, _STORY, Article.outlet)
        .join(Article, Article.id == Claim.article_id)
        .distinct(),
        ClaimFilter(target, actor_ids=actor_ids, article_ids=article_ids),
    )
    stories: dict[int, set[int]] = defaultdict(set)
    outlets: dict[int, set[str]] = defaultdict(set)
    for actor_id, story, outlet in session.execute(stmt):
        stories[actor_id].add(story)
        if outlet:
            outlets[actor_id].add(outlet)
    return {a: (len(stories[a]), tuple(sorted(outlets[a]))) for a in stories}


@dataclass(frozen=True, slots=True)
class StoryRef:
    """A story: its earliest copy (date, then id) stands for it; every outlet that ran it."""

    id: int
    first: ArticleRef
    articles: tuple[int, ...]
    outlets: tuple[str, ...]


def story_refs(session: Session, story_ids: Sequence[int]) -> dict[int, StoryRef]:
    if not story_ids:
        return {}
    stmt = (
        select(_STORY, Article.id, Article.title, Article.url, Article.published, Article.outlet)
        .where(Article.story_id.in_(list(story_ids)))
        .order_by(Article.published.is_(None), Article.published, Article.id)
    )
    copies: dict[int, list[ArticleRef]] = defaultdict(list)
    for story, id_, title, url, published, outlet in session.execute(stmt):
        copies[story].append(
            ArticleRef(id=id_, title=title, url=url, published=published, outlet=outlet)
        )
    return {
        story: StoryRef(
            story,
            refs[0],
            tuple(sorted(r.id for r in refs)),
            tuple(sorted({r.outlet for r in refs if r.outlet})),
        )
        for story, refs in copies.items()
    }


def stories_of(session: Session, article_ids: Sequence[int]) -> dict[int, int]:
    """{article_id: story_id}."""
    if not article_ids:
        return {}
    stmt = select(Article.id, _STORY).where(Article.id.in_(list(article_ids)))
    return {a: s for a, s in session.execute(stmt)}

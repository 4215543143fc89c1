"""Articles: store once by text sha256, list, and resolve user references."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stancetrack.db.limits import check
from stancetrack.db.models import Article, Claim, Run, utcnow
from stancetrack.db.read_models import ArticleOut
from stancetrack.db.repository.claim_filter import AnySelect
from stancetrack.db.repository.paging import DatedKey, after_dated
from stancetrack.db.repository.stories import assign_story, story_day
from stancetrack.errors import AmbiguousError, NotFoundError
from stancetrack.ingest import ArticleInput, read_file
from stancetrack.ingest.fingerprint import Fingerprint
from stancetrack.ingest.outlets import outlet_of

_HEX = re.compile(r"^[0-9a-f]{4,64}$")
# Reading a file to match it by content: bigger than any article, small enough to be quick.
_REF_FILE_MAX_BYTES = 50_000_000


def add_article(session: Session, item: ArticleInput) -> tuple[Article, bool]:
    """Store an article unless its text is already stored; returns (article, created)."""
    article_id, created = store_article(session, item)
    article = session.get(Article, article_id)
    if article is None:  # deleted by another process between the two statements
        raise NotFoundError(f"article {item.sha256[:12]} vanished while being stored")
    return article, created


def article_values(item: ArticleInput) -> dict[str, Any]:
    """The `articles` row of an input (what `store_article` inserts, and `limits` checks)."""
    return {
        "sha256": item.sha256,
        "title": item.title,
        "url": item.url,
        "outlet": outlet_of(item.url),
        "published": item.published,
        "source": item.source,
        "format": item.format,
        "text": item.text,
        "chars": len(item.text),
    }


def store_article(
    session: Session, item: ArticleInput, story_print: Fingerprint | None = None
) -> tuple[int, bool]:
    """Store an article unless its text is already stored; returns (id, created).

    Safe when several processes store the same text at once: the insert is
    `ON CONFLICT (sha256) DO NOTHING RETURNING id`, so the loser reads the winner's id
    instead of failing. A new article costs one statement (Core, no ORM object: this is the
    hot path of `extract`) plus its story's few indexed ones (repository/stories.py), a
    known one two. `story_print`: the text's fingerprint if computed already
    (repository/stories.assign_story).
    """
    values = article_values(item)
    check(_ARTICLES, [values])
    conn = session.connection()
    created = conn.execute(_STORE[conn.dialect.name], values).scalar()
    if created is not None:
        day = story_day(item.published, utcnow())
        assign_story(conn, int(created), item.text, day, story_print)
        return int(created), True
    existing = conn.execute(
        select(_ARTICLES.c.id).where(_ARTICLES.c.sha256 == item.sha256)
    ).scalar()
    if existing is None:  # stored by another process and deleted again meanwhile
        raise NotFoundError(f"article {item.sha256[:12]} vanished while being stored")
    return int(existing), False


_INSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
_ARTICLES = cast(Table, Article.__table__)
# Built once per dialect (SQLite or PostgreSQL, see engine.py): constructing the statement
# on every call cost more than running it.
_STORE: dict[str, Any] = {
    name: insert(_ARTICLES)
    .on_conflict_do_nothing(index_elements=["sha256"])
    .returning(_ARTICLES.c.id)
    for name, insert in _INSERT.items()
}


def _by_sha256(session: Session, sha256: str) -> Article | None:
    return session.scalar(select(Article).where(Article.sha256 == sha256))


# `articles`' read model is the repository's row (db/read_models.py): one definition.
ArticleRow = ArticleOut
_ROW_FIELDS = ("id", "title", "url", "published", "sha256", "source", "claims", "outlet")


def _row_select(claims: Any) -> AnySelect:
    """The columns of an `ArticleRow`, in `_ROW_FIELDS` order, with `claims` its count."""
    return select(
        Article.id,
        Article.title,
        Article.url,
        Article.published,
        Article.sha256,
        Article.source,
        claims,
        Article.outlet,
    )


def _article_row(values: Sequence[Any]) -> ArticleRow:
    return ArticleRow(**dict(zip(_ROW_FIELDS, values, strict=True)))


def article_key(row: ArticleRow) -> DatedKey:
    """An article's place in `articles`' order: where the next page starts."""
    return DatedKey(row.published, (row.id,))


def list_articles(
    session: Session,
    *,
    target: str,
    after: DatedKey | None = None,
    limit: int | None = None,
) -> list[ArticleRow]:
    """Stored articles, oldest first (undated last), with their number of claims toward
    `target`; a page of them with `after` (keyset) and `limit`."""
    page = select(Article.id)
    if after is not None:
        page = page.where(after_dated(Article.published, (Article.id,), after))
    if limit is not None:  # the page's ids first (published index), then count their claims
        page = page.order_by(Article.published.is_(None), Article.published, Article.id).limit(
            limit
        )
    ids = page.scalar_subquery() if limit is not None else None
    counted = select(Claim.article_id, func.count().label("n")).where(Claim.target == target)
    if ids is not None:
        counted = counted.where(Claim.article_id.in_(ids))
    counts = counted.group_by(Claim.article_id).subquery()
    stmt = (
        _row_select(func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.article_id == Article.id)
        .order_by(Article.published.is_(None), Article.published, Article.id)
    )
    if after is not None:
        stmt = stmt.where(after_dated(Article.published, (Article.id,), after))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_article_row(row) for row in session.execute(stmt)]


def article_row(session: Session, article_id: int, *, target: str) -> ArticleRow | None:
    """One article as `list_articles` lists it."""
    n = select(func.count()).where(Claim.article_id == article_id, Claim.target == target)
    stmt = _row_select(n.scalar_subquery()).where(Article.id == article_id)
    row = session.execute(stmt).first()
    return _article_row(row) if row is not None else None


def find_article(session: Session, ref: str, *, local_paths: bool = True) -> Article:
    """Resolve REF: an id, a unique sha256 prefix (4+ hex digits), a source path or a URL.

    A path that was stored under another name still resolves when its text is stored.
    `local_paths=False` (the HTTP API) never looks at the filesystem: a remote caller's REF
    must not make the server read its files.
    """
    ref = ref.strip()
    # ASCII digits only ("²".isdigit() is True); beyond 18, a 64-bit parameter would overflow
    if ref.isascii() and ref.isdigit() and len(ref) < 19:
        found = session.get(Article, int(ref))
        if found is not None:
            return found
    path = Path(ref)
    try:
        path = path.expanduser() if local_paths else path
        is_file = local_paths and path.is_file()
    except (RuntimeError, OSError, ValueError):  # '~nobody', a name too long, a NUL
        is_file = False
    candidates = [ref, str(path), str(path.resolve())] if is_file else [ref]
    found = session.scalar(
        select(Article)
        .where(Article.source.in_(candidates) | (Article.url == ref))
        .order_by(Article.id)
        .limit(1)
    )
    if found is not None:
        return found
    if _HEX.match(ref.lower()):
        matches = session.scalars(
            select(Article).where(Article.sha256.startswith(ref.lower())).order_by(Article.id)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(str(a.id) for a in matches[:5])
            raise AmbiguousError(
                f"article {ref!r} is the sha256 prefix of {len(matches)} articles "
                f"(ids {ids}{', ...' if len(matches) > 5 else ''}): give more characters"
            )
    if is_file:
        for item in read_file(path, max_bytes=_REF_FILE_MAX_BYTES):
            if isinstance(item, ArticleInput):
                found = _by_sha256(session, item.sha256)
                if found is not None:
                    return found
    accepted = "a path or a URL" if local_paths else "or the article's URL"
    raise NotFoundError(
        f"no article matches {ref!r} (give an id, a sha256 prefix of 4+ hex digits, {accepted})"
    )


# A stored article's columns in `ArticleInput`'s order: what an extraction of stored
# articles (watch's pending items, serve's left-over posts) reads back.
INPUT_COLUMNS = (
    Article.source,
    Article.title,
    Article.text,
    Article.url,
    Article.published,
    Article.format,
    Article.sha256,
)


def unextracted_articles(
    session: Session, *, source: str, target: str, limit: int
) -> list[ArticleInput]:
    """Articles from `source` (e.g. "api": posted to `serve`) with no run for `target`,
    oldest first: what a stopped server left queued, picked up at its next start."""
    no_run = ~select(Run.id).where(Run.article_id == Article.id, Run.target == target).exists()
    stmt = (
        select(*INPUT_COLUMNS)
        .where(Article.source == source, no_run)
        .order_by(Article.id)
        .limit(limit)
    )
    return [ArticleInput(*row) for row in session.execute(stmt)]


def article_ids_by_sha256(session: Session, sha256s: Sequence[str]) -> list[int]:
    """The ids of the stored articles with these texts (unknown ones left out)."""
    if not sha256s:
        return []
    stmt = select(Article.id).where(Article.sha256.in_(list(sha256s))).order_by(Article.id)
    return list(session.scalars(stmt))


def actors_quoted_in(session: Session, article_ids: Sequence[int], *, target: str) -> list[int]:
    """The actors with claims toward `target` in these articles."""
    if not article_ids:
        return []
    stmt = (
        select(Claim.actor_id)
        .where(Claim.target == target, Claim.article_id.in_(list(article_ids)))
        .distinct()
        .order_by(Claim.actor_id)
    )
    return list(session.scalars(stmt))

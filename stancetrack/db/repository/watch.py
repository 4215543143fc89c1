"""What `watch` remembers between polls: its sources (conditional-GET validators, errors,
backoff) and the items seen in them (by key and content hash), each tied to its article.

An item is recorded in the same transaction that stores its article, so after a crash an
item is either fully known (never fetched again) or not at all (fetched again, stored once
by its text's sha256). `extracted_at` stays NULL until the extraction batch that took the
article finished, so a restart extracts what was stored but not yet extracted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stancetrack.db.models import Article, WatchItem, WatchSource, utcnow
from stancetrack.db.repository.articles import INPUT_COLUMNS, store_article
from stancetrack.ingest import ArticleInput


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SourceState:
    id: int
    source: str
    kind: str
    etag: str | None
    last_modified: str | None
    errors: int
    next_poll_at: datetime | None


def source_state(session: Session, source: str, kind: str) -> SourceState:
    """The source's state, registering it on first sight."""
    row = session.scalar(select(WatchSource).where(WatchSource.source == source))
    if row is None:
        row = WatchSource(source=source, kind=kind, errors=0)
        session.add(row)
        session.flush()
    return SourceState(
        row.id, row.source, row.kind, row.etag, row.last_modified, row.errors, row.next_poll_at
    )


def record_poll(
    session: Session,
    source_id: int,
    *,
    error: str | None,
    interval: float,
    etag: str | None = None,
    last_modified: str | None = None,
    max_backoff: float = 6 * 3600.0,
) -> int:
    """Note a poll's outcome. A failure doubles the wait before the next poll (interval x
    2^errors, at most `max_backoff`); a success resets it and stores the validators for
    the next conditional GET (None clears them). Returns the error count."""
    row = session.get(WatchSource, source_id)
    assert row is not None
    now = utcnow()
    row.last_poll_at = now
    if error is None:
        row.errors = 0
        row.last_error = None
        row.last_ok_at = now
        row.next_poll_at = None
        row.etag, row.last_modified = etag, last_modified
    else:
        row.errors += 1
        row.last_error = error
        wait = min(max_backoff, max(interval, 1.0) * 2 ** (row.errors - 1))
        row.next_poll_at = now + timedelta(seconds=wait)
    return row.errors


def known_items(session: Session, source_id: int, keys: Sequence[str]) -> dict[str, str]:
    """{key: content_sha256} of the given keys already seen in this source."""
    wanted = {key_sha256(k): k for k in keys}
    out: dict[str, str] = {}
    items = list(wanted)
    for start in range(0, len(items), 500):
        rows = session.execute(
            select(WatchItem.key_sha256, WatchItem.content_sha256).where(
                WatchItem.source_id == source_id,
                WatchItem.key_sha256.in_(items[start : start + 500]),
            )
        )
        for sha, content in rows:
            out[wanted[sha]] = content
    return out


def record_item(
    session: Session,
    source_id: int,
    *,
    key: str,
    content_sha256: str,
    link: str | None,
    article: ArticleInput | None,
    error: str | None = None,
) -> int | None:
    """Store the item's article (once, by text sha256) and remember the item with it, in
    the caller's transaction. Returns the article id (None for an item that failed)."""
    article_id = store_article(session, article)[0] if article is not None else None
    sha = key_sha256(key)
    row = session.scalar(
        select(WatchItem).where(WatchItem.source_id == source_id, WatchItem.key_sha256 == sha)
    )
    if row is None:
        row = WatchItem(source_id=source_id, key=key, key_sha256=sha)
        session.add(row)
    row.content_sha256 = content_sha256
    row.link = link
    row.article_id = article_id
    row.error = error
    row.seen_at = utcnow()
    row.extracted_at = None if article_id is not None else utcnow()
    return article_id


def pending_articles(session: Session, limit: int | None = None) -> list[tuple[int, ArticleInput]]:
    """Stored items whose extraction has not finished: (item id, the article as input)."""
    stmt = (
        select(WatchItem.id, *INPUT_COLUMNS)
        .join(Article, Article.id == WatchItem.article_id)
        .where(WatchItem.extracted_at.is_(None))
        .order_by(WatchItem.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(row[0], ArticleInput(*row[1:])) for row in session.execute(stmt)]


def mark_extracted(session: Session, item_ids: Sequence[int]) -> None:
    ids = list(item_ids)
    for start in range(0, len(ids), 500):
        session.execute(
            update(WatchItem)
            .where(WatchItem.id.in_(ids[start : start + 500]))
            .values(extracted_at=utcnow())
        )

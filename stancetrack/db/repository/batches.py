"""Batch API bookkeeping: batches, their articles' states, and the shared endpoint pause.

What `extract --batch-api` submitted is recorded here before anything is uploaded, so a
crash at any point leaves rows that the next `batches` command can finish
(docs/ARCHITECTURE.md, scale-out).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stancetrack.db.models import ApiBatch, ApiBatchItem, Article, EndpointPause, utcnow

# Provider states after which a batch changes no more.
FINAL = frozenset({"completed", "failed", "expired", "cancelled"})
# Our own states before the provider knows the batch (a collected batch keeps the provider's
# state and gets `collected_at`).
PREPARING = "preparing"
UPLOADED = "uploaded"

_ITEMS = cast(Table, ApiBatchItem.__table__)


def create_batch(session: Session, fields: dict[str, Any]) -> int:
    batch = ApiBatch(status=PREPARING, **fields)
    session.add(batch)
    session.flush()
    return batch.id


def add_items(session: Session, batch_id: int, items: Sequence[tuple[int, str, int]]) -> None:
    """Record (article id, cache key, request parts) as pending in a batch."""
    if items:
        session.connection().execute(
            insert(_ITEMS),
            [
                {
                    "batch_id": batch_id,
                    "article_id": a,
                    "cache_key": k,
                    "parts": p,
                    "state": "pending",
                }
                for a, k, p in items
            ],
        )


def update_batch(session: Session, batch_id: int, **fields: Any) -> None:
    session.execute(
        update(ApiBatch).where(ApiBatch.id == batch_id).values(updated_at=utcnow(), **fields)
    )


def get_batch(session: Session, ref: str) -> ApiBatch | None:
    """A batch by our id or the provider's id."""
    if ref.isdigit():
        found = session.get(ApiBatch, int(ref))
        if found is not None:
            return found
    return session.scalar(select(ApiBatch).where(ApiBatch.provider_id == ref))


def list_batches(session: Session, *, open_only: bool = False) -> list[ApiBatch]:
    stmt = select(ApiBatch).order_by(ApiBatch.id)
    if open_only:
        stmt = stmt.where(ApiBatch.collected_at.is_(None))
    return list(session.scalars(stmt))


def item_states(session: Session, batch_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Articles per state, per batch."""
    out: dict[int, dict[str, int]] = {b: {} for b in batch_ids}
    if not batch_ids:
        return out
    rows = session.execute(
        select(ApiBatchItem.batch_id, ApiBatchItem.state, func.count())
        .where(ApiBatchItem.batch_id.in_(list(batch_ids)))
        .group_by(ApiBatchItem.batch_id, ApiBatchItem.state)
    )
    for batch_id, state, count in rows:
        out[batch_id][state] = int(count)
    return out


def pending_cache_keys(session: Session, cache_keys: Collection[str]) -> set[str]:
    """Which of these keys wait in a batch not yet collected (not to be submitted again)."""
    if not cache_keys:
        return set()
    stmt = (
        select(ApiBatchItem.cache_key)
        .join(ApiBatch, ApiBatch.id == ApiBatchItem.batch_id)
        .where(
            ApiBatchItem.cache_key.in_(set(cache_keys)),
            ApiBatchItem.state == "pending",
            ApiBatch.collected_at.is_(None),
        )
    )
    return set(session.scalars(stmt.distinct()))


def items_with_articles(
    session: Session, batch_id: int, cache_keys: Collection[str]
) -> dict[str, tuple[ApiBatchItem, Article]]:
    """A batch's items (and their articles) by cache key: one query per group of results."""
    if not cache_keys:
        return {}
    rows = session.execute(
        select(ApiBatchItem, Article)
        .join(Article, Article.id == ApiBatchItem.article_id)
        .where(ApiBatchItem.batch_id == batch_id, ApiBatchItem.cache_key.in_(set(cache_keys)))
    )
    return {row[0].cache_key: (row[0], row[1]) for row in rows}


def iter_items(
    session: Session, batch_id: int, states: Collection[str], *, chunk: int = 500
) -> Iterator[list[tuple[ApiBatchItem, Article]]]:
    """A batch's items in these states with their articles, `chunk` at a time (by id, so
    changing their state meanwhile is safe and memory stays flat)."""
    last = 0
    while True:
        rows = session.execute(
            select(ApiBatchItem, Article)
            .join(Article, Article.id == ApiBatchItem.article_id)
            .where(
                ApiBatchItem.batch_id == batch_id,
                ApiBatchItem.state.in_(list(states)),
                ApiBatchItem.id > last,
            )
            .order_by(ApiBatchItem.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        last = rows[-1][0].id
        yield [(row[0], row[1]) for row in rows]


def set_item_state(
    session: Session, item_ids: Collection[int], state: str, detail: str | None = None
) -> None:
    if item_ids:
        session.execute(
            update(ApiBatchItem)
            .where(ApiBatchItem.id.in_(list(item_ids)))
            .values(state=state, detail=detail)
        )


def move_items(session: Session, batch_id: int, from_states: Collection[str], to: str) -> int:
    """Every item of a batch in one of `from_states` to state `to`; returns how many."""
    result = session.execute(
        update(ApiBatchItem)
        .where(ApiBatchItem.batch_id == batch_id, ApiBatchItem.state.in_(list(from_states)))
        .values(state=to)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- the shared endpoint pause -----------------------------------------------------------------

_PAUSES = cast(Table, EndpointPause.__table__)
_UPSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def paused_until(session: Session, endpoint: str) -> datetime | None:
    return session.scalar(
        select(EndpointPause.paused_until).where(EndpointPause.endpoint == endpoint)
    )


def pause_endpoint(session: Session, endpoint: str, seconds: float) -> datetime:
    """Hold every worker's requests to `endpoint` for `seconds` from now (never shortens a
    pause already set); returns the pause's end."""
    until = utcnow() + timedelta(seconds=seconds)
    conn = session.connection()
    stmt = _UPSERT[conn.dialect.name](_PAUSES).values(endpoint=endpoint, paused_until=until)
    stmt = stmt.on_conflict_do_update(
        index_elements=["endpoint"],
        set_={"paused_until": until},
        where=_PAUSES.c.paused_until < until,
    )
    conn.execute(stmt)
    return max(until, paused_until(session, endpoint) or until)


def copy_unfinished(session: Session, old_batch: int, new_batch: int) -> int:
    """Put a batch's unfinished articles, pending, in a new batch; the old items are marked
    resubmitted. Returns how many."""
    rows = session.execute(
        select(ApiBatchItem.article_id, ApiBatchItem.cache_key, ApiBatchItem.parts).where(
            ApiBatchItem.batch_id == old_batch, ApiBatchItem.state == "unfinished"
        )
    ).all()
    add_items(session, new_batch, [(r[0], r[1], r[2]) for r in rows])
    move_items(session, old_batch, ["unfinished"], "resubmitted")
    return len(rows)

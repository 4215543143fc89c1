"""Keyset (cursor) positions for paged reads: the page after a row is `WHERE key > last`.

A page never re-reads the rows before it (unlike OFFSET), so page N costs what page 1 costs
when an index serves the order. Orderings put undated rows last, so a position carries the
date (or None) and the integer columns that break ties (see docs/ARCHITECTURE.md, service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, tuple_
from sqlalchemy.orm import QueryableAttribute


@dataclass(frozen=True, slots=True)
class DatedKey:
    """A row's place in `published (undated last), then the tie columns` order."""

    published: date | None
    ties: tuple[int, ...]


def after_dated(
    published: QueryableAttribute[date | None],
    ties: tuple[QueryableAttribute[int], ...],
    key: DatedKey,
) -> ColumnElement[bool]:
    """Rows strictly after `key` in (published IS NULL, published, *ties) order."""
    later = tuple_(*ties) > tuple_(*key.ties)
    if key.published is None:
        return and_(published.is_(None), later)
    return or_(
        published.is_(None),
        published > key.published,
        and_(published == key.published, later),
    )

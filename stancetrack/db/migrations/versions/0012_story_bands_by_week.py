"""story band keys filed by week; articles stored before stories were grouped

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:10:00

`story_bands` had the primary key (key, article_id). Band keys are hashes, so each of a new
article's 32 keys went to a random page of an index that grows with the database: at
100,000 articles (3.2M keys) storing an article dirtied some 32 pages of a 100 MB index,
and SQLite's commits and checkpoints grew with them (BENCHMARKS.md, corpus scale). The key
is now (week, key, article_id), the week being the article's date's (the day it was stored
when it has none; repository/stories.week_of), and a new article is compared with those of
its week and the weeks either side: the keys being written share the index's recent pages.
On SQLite the table is WITHOUT ROWID (the primary key is the table: one B-tree per insert).

The keys are copied with their article's week; nothing is fingerprinted again. Articles
stored before 0009 (no story yet) are then grouped here, oldest first, with the live
`assign_story`, which writes this layout: a later migration that changes the story tables
must move this step after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_KEYS = "story_band_keys_0012"  # the keys while the table is rebuilt
_WEEKS = "story_weeks_0012"  # article id -> week, computed in Python (one rule: week_of)

_ARTICLES = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("published", sa.Date),
    sa.column("created_at", sa.DateTime),
    sa.column("story_id", sa.Integer),
    sa.column("text", sa.Text),
)
_SIGNATURES = sa.table("story_signatures", sa.column("article_id", sa.Integer))


def _in_id_order(stmt: sa.Select[Any]) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of `stmt` (articles, id first) in batches of _BATCH, by id (keyset)."""
    bind = op.get_bind()
    last = 0
    while rows := bind.execute(stmt.where(_ARTICLES.c.id > last).limit(_BATCH)).all():
        yield rows
        last = rows[-1][0]


def _create_bands(by_week: bool) -> None:
    columns = [sa.Column("week", sa.Integer(), autoincrement=False, nullable=False)]
    pk = ["week", "key", "article_id"] if by_week else ["key", "article_id"]
    op.create_table(
        "story_bands",
        *(columns if by_week else []),
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_story_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*pk, name=op.f("pk_story_bands")),
        **({"sqlite_with_rowid": False} if by_week else {}),
    )
    op.create_index(op.f("ix_story_bands_article_id"), "story_bands", ["article_id"])


def _set_keys_aside() -> None:
    """Copy the keys to a plain table and drop `story_bands`, so that the new table can take
    its name and its constraints' names (PostgreSQL keeps them with a renamed table)."""
    op.execute(f"CREATE TABLE {_KEYS} AS SELECT DISTINCT key, article_id FROM story_bands")
    op.drop_index(op.f("ix_story_bands_article_id"), table_name="story_bands")
    op.drop_table("story_bands")


def _weeks() -> None:
    """{article id: week} of every fingerprinted article, in a scratch table."""
    from stancetrack.db.repository.stories import story_day, week_of

    op.create_table(
        _WEEKS,
        sa.Column("article_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("week", sa.Integer(), nullable=False),
    )
    weeks = sa.table(_WEEKS, sa.column("article_id", sa.Integer), sa.column("week", sa.Integer))
    a = _ARTICLES.c
    fingerprinted = (
        sa.select(a.id, a.published, a.created_at)
        .join(_SIGNATURES, _SIGNATURES.c.article_id == a.id)
        .order_by(a.id)
    )
    for rows in _in_id_order(fingerprinted):
        op.get_bind().execute(
            sa.insert(weeks),
            [{"article_id": i, "week": week_of(story_day(p, c))} for i, p, c in rows],
        )


def _group_ungrouped() -> None:
    """Articles stored before 0009 have no story: group them, oldest first."""
    from stancetrack.db.repository.stories import assign_story, story_day

    a = _ARTICLES.c
    ungrouped = (
        sa.select(a.id, a.text, a.published, a.created_at)
        .where(a.story_id.is_(None))
        .order_by(a.id)
    )
    for rows in _in_id_order(ungrouped):
        for article_id, text, published, created_at in rows:
            assign_story(op.get_bind(), article_id, text, story_day(published, created_at))


def upgrade() -> None:
    _weeks()
    _set_keys_aside()
    _create_bands(by_week=True)
    op.execute(
        f"INSERT INTO story_bands (week, key, article_id) "
        f"SELECT w.week, k.key, k.article_id FROM {_KEYS} k "
        f"JOIN {_WEEKS} w ON w.article_id = k.article_id ORDER BY 1, 2, 3"
    )
    op.drop_table(_KEYS)
    op.drop_table(_WEEKS)
    _group_ungrouped()


def downgrade() -> None:
    _set_keys_aside()
    _create_bands(by_week=False)
    op.execute(
        f"INSERT INTO story_bands (key, article_id) "
        f"SELECT key, article_id FROM {_KEYS} ORDER BY 1, 2"
    )
    op.drop_table(_KEYS)

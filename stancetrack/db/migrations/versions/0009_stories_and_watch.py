"""stories (near-identical articles grouped) and watch state (sources, items seen)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:10:00

Stories: `articles.story_id` (the id of the story's first stored copy), each article's
MinHash signature (`story_signatures`) and LSH band keys (`story_bands`, primary key
(key, article_id): the indexed lookup that keeps grouping flat in the number of stored
articles; 0012 files the keys by week). Existing articles are grouped by 0012, in id order as
ingestion would have done, once the tables have their final layout: this migration used to
group them with the live `assign_story`, which writes the layout of the newest migration.

Watch: `watch_sources` (conditional-GET validators, error count, next poll for backoff)
and `watch_items` (key and content hash per source, the article stored for it, whether
its extraction finished). See docs/ARCHITECTURE.md, continuous tracking.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("story_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
    op.create_table(
        "story_signatures",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_story_signatures_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_story_signatures")),
    )
    op.create_table(
        "story_bands",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_story_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "article_id", name=op.f("pk_story_bands")),
    )
    op.create_index(op.f("ix_story_bands_article_id"), "story_bands", ["article_id"])
    op.create_table(
        "watch_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_poll_at", sa.DateTime(), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_sources")),
        sa.UniqueConstraint("source", name=op.f("uq_watch_sources_source")),
    )
    op.create_table(
        "watch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("extracted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_watch_items_article_id_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["watch_sources.id"],
            name=op.f("fk_watch_items_source_id_watch_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_items")),
        sa.UniqueConstraint("source_id", "key_sha256", name="uq_watch_items_key"),
    )
    op.create_index(op.f("ix_watch_items_article_id"), "watch_items", ["article_id"])
    op.create_index(op.f("ix_watch_items_extracted_at"), "watch_items", ["extracted_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_watch_items_extracted_at"), table_name="watch_items")
    op.drop_index(op.f("ix_watch_items_article_id"), table_name="watch_items")
    op.drop_table("watch_items")
    op.drop_table("watch_sources")
    op.drop_index(op.f("ix_story_bands_article_id"), table_name="story_bands")
    op.drop_table("story_bands")
    op.drop_table("story_signatures")
    op.drop_index(op.f("ix_articles_story_id"), table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("story_id")

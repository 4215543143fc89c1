"""scale-out: Batch API jobs and their articles, the shared endpoint pause

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 00:05:00

`api_batches` / `api_batch_items` record what `extract --batch-api` submitted, so
`batches collect` and crash recovery know every article's state; `endpoint_pauses` holds the
back-off that workers share after a 429 (docs/ARCHITECTURE.md, scale-out).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("input_file_id", sa.String(length=200), nullable=True),
        sa.Column("output_file_id", sa.String(length=200), nullable=True),
        sa.Column("error_file_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("endpoint_host", sa.String(length=300), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("prompt_name", sa.String(length=100), nullable=False),
        sa.Column("prompt_version", sa.String(length=32), nullable=False),
        sa.Column("prompt_sha256", sa.String(length=64), nullable=False),
        sa.Column("output_mode", sa.String(length=32), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("max_tokens", sa.Integer(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_batches")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_api_batches_provider_id")),
    )
    with op.batch_alter_table("api_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_batches_status"), ["status"], unique=False)

    op.create_table(
        "api_batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_api_batch_items_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["api_batches.id"],
            name=op.f("fk_api_batch_items_batch_id_api_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_api_batch_items_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_batch_items")),
        sa.UniqueConstraint("batch_id", "cache_key", name="uq_api_batch_items_batch_key"),
    )
    with op.batch_alter_table("api_batch_items", schema=None) as batch_op:
        batch_op.create_index("ix_api_batch_items_batch_state", ["batch_id", "state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_api_batch_items_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "endpoint_pauses",
        sa.Column("endpoint", sa.String(length=300), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_endpoint_pauses")),
    )


def downgrade() -> None:
    op.drop_table("endpoint_pauses")
    with op.batch_alter_table("api_batch_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_batch_items_article_id"))
        batch_op.drop_index("ix_api_batch_items_batch_state")
    op.drop_table("api_batch_items")
    with op.batch_alter_table("api_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_batches_status"))
    op.drop_table("api_batches")

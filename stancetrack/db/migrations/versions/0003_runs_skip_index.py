"""runs: one index for the skip check (cache_key, status)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:40:00

`extract` asks, for every input, whether a successful run with its cache key exists.
With separate indexes on `cache_key` and `status`, SQLite (no ANALYZE statistics) chose
`ix_runs_status`, which matches every successful run: the check grew with the database
and a batch became quadratic (see BENCHMARKS.md). The two-column index answers
it from the index alone; it also serves every lookup by cache key, so the one-column index
goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_runs_cache_key_status", "runs", ["cache_key", "status"])
    op.drop_index("ix_runs_cache_key", table_name="runs")


def downgrade() -> None:
    op.create_index("ix_runs_cache_key", "runs", ["cache_key"])
    op.drop_index("ix_runs_cache_key_status", table_name="runs")

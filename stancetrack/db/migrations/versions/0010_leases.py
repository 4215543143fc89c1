"""leases: extractions in flight, so concurrent extract processes do not duplicate requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 00:20:00

One row per cache key being extracted, with its owner (host:pid:token) and expiry; see
stancetrack/db/repository/leases.py. Holds no history: rows live while a request does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")

"""claim subjects: which of the target's subjects a claim is about

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:30:00

A target may list subjects (prompts/targets/*.yaml: for NATO expansion the candidate
countries); each claim is about some of them, or none (the target in general). One row per
claim and subject, deleted with its claim. Claims stored before this revision have none
until they are extracted again (`extract --force`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_subjects",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_subjects_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "subject", name=op.f("pk_claim_subjects")),
    )
    op.create_index("ix_claim_subjects_subject", "claim_subjects", ["subject", "claim_id"])


def downgrade() -> None:
    op.drop_index("ix_claim_subjects_subject", table_name="claim_subjects")
    op.drop_table("claim_subjects")

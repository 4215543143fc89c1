"""claims record where their speaker is named and how that ties to the quote

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 00:10:00

Grounding proves a quote is in the article, not who said it. Claims get `speaker_start`,
`speaker_end` (the speaker's mention nearest the quote, NULL when the article never names
it) and `speaker_evidence` (cue | nearby | absent), computed by
`stancetrack.speaker_evidence`. Existing claims are backfilled here, article by article,
with the code of this release; a claim whose article could not be read keeps the server
default `unknown` (documented in docs/ARCHITECTURE.md). The index on (target,
speaker_evidence) lets `compare` subtract the `absent` claims from the trigger-kept counts.

Columns are added (not rebuilt), so SQLite keeps the counting triggers of 0002/0004;
downgrade drops them with ALTER TABLE ... DROP COLUMN (SQLite 3.35+).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    from stancetrack.grounding import ArticleText
    from stancetrack.speaker_evidence import ArticleSpeakers

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            'SELECT c.id, c.article_id, c.start, c."end", c.speaker, a.name, a.actor_type '
            "FROM claims c JOIN actors a ON a.id = c.actor_id ORDER BY c.article_id"
        )
    ).all()
    by_article: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_article[row[1]].append(row)
    update = sa.text(
        "UPDATE claims SET speaker_start = :s, speaker_end = :e, speaker_evidence = :ev "
        "WHERE id = :id"
    )
    for article_id, claims in by_article.items():
        text = conn.execute(
            sa.text("SELECT text FROM articles WHERE id = :id"), {"id": article_id}
        ).scalar()
        if text is None:
            continue
        speakers = ArticleSpeakers(ArticleText(text))
        params = []
        for claim_id, _a, start, end, speaker, actor, actor_type in claims:
            found = speakers.locate((start, end), speaker, actor, actor_type)
            params.append({"s": found.start, "e": found.end, "ev": found.evidence, "id": claim_id})
        conn.execute(update, params)


def upgrade() -> None:
    op.add_column("claims", sa.Column("speaker_start", sa.Integer(), nullable=True))
    op.add_column("claims", sa.Column("speaker_end", sa.Integer(), nullable=True))
    op.add_column(
        "claims",
        sa.Column(
            "speaker_evidence",
            sa.String(length=16),
            server_default="unknown",
            nullable=False,
        ),
    )
    _backfill()
    op.create_index(
        "ix_claims_target_speaker_evidence",
        "claims",
        ["target", "speaker_evidence"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_claims_target_speaker_evidence", table_name="claims")
    for column in ("speaker_evidence", "speaker_end", "speaker_start"):
        op.execute(f"ALTER TABLE claims DROP COLUMN {column}")

"""articles: the outlet (registrable domain of the URL)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 23:55:00

`articles.outlet` is the registrable domain of the article's URL (`www.cbsnews.com` ->
`cbsnews.com`, computed by stancetrack.ingest.outlets with the bundled public suffix list),
indexed for `compare --by outlet`. Existing articles are backfilled from their URL, in
batches; articles without a URL keep NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stancetrack.ingest.outlets import outlet_of

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column("articles", sa.Column("outlet", sa.String(length=253), nullable=True))
    op.create_index(op.f("ix_articles_outlet"), "articles", ["outlet"], unique=False)
    bind = op.get_bind()
    update = sa.text("UPDATE articles SET outlet = :outlet WHERE id = :id")
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, url FROM articles WHERE url IS NOT NULL AND id > :last "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        values = [{"id": i, "outlet": o} for i, url in rows if (o := outlet_of(url))]
        if values:
            bind.execute(update, values)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index(op.f("ix_articles_outlet"), table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("outlet")

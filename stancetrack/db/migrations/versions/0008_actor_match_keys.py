"""actors and aliases: indexed match keys (loose key, surname key)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 23:50:00

Resolving a mention used to load every actor and alias name into memory, per article, to
find the ones equal up to transliteration or sharing a bare surname: the cost of an article
grew with the registry and a batch was quadratic (see BENCHMARKS.md). Each actor and alias
row now stores its `loose_key` and `surname_key` (stancetrack.actors), indexed, so those
steps are lookups. Existing rows are backfilled with the same functions the ORM applies when
a key is set. On actor_aliases the indexes include actor_id: "which distinct actors have
this key" then stops after two rows however common the name is, and the alias key index
gains the origin, so "the latest user alias with this key" skips the model aliases a common
surname accumulates.

SQLite adds a NOT NULL column only with a default: loose_key gets the empty string, which
no key folds to, until the backfill sets it. Downgrade drops the columns in place (SQLite
3.35+ ALTER TABLE DROP COLUMN): rebuilding `actors` in batch mode would cascade deletes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stancetrack.actors import loose_key, surname_key

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("actors", "actor_aliases")
BATCH = 5_000


def _backfill(table_name: str) -> None:
    conn = op.get_bind()
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("loose_key", sa.String()),
        sa.column("surname_key", sa.String()),
    )
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(loose_key=sa.bindparam("loose"), surname_key=sa.bindparam("surname"))
    )
    rows = conn.execute(sa.select(table.c.id, table.c.key).order_by(table.c.id)).all()
    for start in range(0, len(rows), BATCH):
        conn.execute(
            update,
            [
                {"row_id": row_id, "loose": loose_key(key), "surname": surname_key(key)}
                for row_id, key in rows[start : start + BATCH]
            ],
        )


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "loose_key", sa.String(length=300), server_default=sa.text("''"), nullable=False
            ),
        )
        op.add_column(table, sa.Column("surname_key", sa.String(length=300), nullable=True))
        _backfill(table)
    op.drop_index("ix_actor_aliases_key", table_name="actor_aliases")
    op.create_index("ix_actor_aliases_key_origin", "actor_aliases", ["key", "origin"])
    op.create_index(op.f("ix_actors_loose_key"), "actors", ["loose_key"], unique=False)
    op.create_index(op.f("ix_actors_surname_key"), "actors", ["surname_key"], unique=False)
    op.create_index("ix_actor_aliases_loose_key_actor", "actor_aliases", ["loose_key", "actor_id"])
    op.create_index(
        "ix_actor_aliases_surname_key_actor", "actor_aliases", ["surname_key", "actor_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_actor_aliases_surname_key_actor", table_name="actor_aliases")
    op.drop_index("ix_actor_aliases_loose_key_actor", table_name="actor_aliases")
    op.drop_index(op.f("ix_actors_surname_key"), table_name="actors")
    op.drop_index(op.f("ix_actors_loose_key"), table_name="actors")
    op.drop_index("ix_actor_aliases_key_origin", table_name="actor_aliases")
    op.create_index("ix_actor_aliases_key", "actor_aliases", ["key"])
    for table in TABLES:
        op.drop_column(table, "surname_key")
        op.drop_column(table, "loose_key")

"""claims belong to a target

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 17:30:00

A claim's stance is toward one target, and extracting an article for a second target must
not touch the first target's claims. Claims get a `target` column (backfilled from their
run's target), the uniqueness of a claim includes it, and `actor_stance_counts` counts per
(target, actor, stance) so `compare` reads one target's counts. The triggers that keep the
counts (migration 0002) are recreated with the target in their key: SQLite drops a table's
triggers when batch mode rebuilds it, so they are dropped first and created last.

Indexes: the unique (article_id, target, actor_id, start, end) serves replacing one target's
claims of an article and per-article counts; (target, actor_id, stance) serves
`claims --actor`, `actors` and evidence within a target. The old (article_id, actor_id) and
(actor_id, stance) indexes, which every target-scoped query would bypass, go.

Downgrade keeps one claim per (article, actor, span), the oldest, since v1 has no targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_KEY = ("target", "actor_id", "stance")
OLD_KEY = ("actor_id", "stance")


def _statements(key: Sequence[str], dialect: str) -> list[str]:
    """The counting triggers of migration 0002, for counts keyed by `key`."""
    cols = ", ".join(key)

    def upsert(row: str) -> str:
        values = ", ".join(f"{row}.{c}" for c in key)
        return (
            f"INSERT INTO actor_stance_counts ({cols}, claims) VALUES ({values}, 1) "
            f"ON CONFLICT ({cols}) DO UPDATE SET claims = actor_stance_counts.claims + 1"
        )

    def decrement(row: str) -> str:
        match = " AND ".join(f"{c} = {row}.{c}" for c in key)
        return f"UPDATE actor_stance_counts SET claims = claims - 1 WHERE {match}"

    if dialect != "postgresql":
        return [
            f"CREATE TRIGGER trg_claims_counts_insert AFTER INSERT ON claims BEGIN "
            f"{upsert('NEW')}; END",
            f"CREATE TRIGGER trg_claims_counts_delete AFTER DELETE ON claims BEGIN "
            f"{decrement('OLD')}; END",
            f"CREATE TRIGGER trg_claims_counts_update AFTER UPDATE OF {cols} ON claims "
            f"BEGIN {decrement('OLD')}; {upsert('NEW')}; END",
        ]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in key)
    return [
        f"""CREATE FUNCTION claims_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {decrement("OLD")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {upsert("NEW")};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER trg_claims_counts_insert_delete AFTER INSERT OR DELETE ON claims "
        "FOR EACH ROW EXECUTE FUNCTION claims_counts()",
        f"CREATE TRIGGER trg_claims_counts_update AFTER UPDATE OF {cols} ON claims "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION claims_counts()",
    ]


def _drop_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_claims_counts_update ON claims")
        op.execute("DROP TRIGGER IF EXISTS trg_claims_counts_insert_delete ON claims")
        op.execute("DROP FUNCTION IF EXISTS claims_counts()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_claims_counts_{name}")


def _counts_table(key: Sequence[str]) -> None:
    """actor_stance_counts keyed by `key`, filled from the claims, with its triggers."""
    columns: dict[str, sa.Column[Any]] = {
        "target": sa.Column("target", sa.String(length=200), nullable=False),
        "actor_id": sa.Column("actor_id", sa.Integer(), nullable=False),
        "stance": sa.Column("stance", sa.String(length=16), nullable=False),
    }
    op.create_table(
        "actor_stance_counts",
        *(columns[c] for c in key),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_stance_counts_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_actor_stance_counts")),
    )
    cols = ", ".join(key)
    op.execute(
        f"INSERT INTO actor_stance_counts ({cols}, claims) "
        f"SELECT {cols}, count(*) FROM claims GROUP BY {cols}"
    )
    for statement in _statements(key, op.get_bind().dialect.name):
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.drop_table("actor_stance_counts")
    op.add_column("claims", sa.Column("target", sa.String(length=200), nullable=True))
    op.execute("UPDATE claims SET target = (SELECT runs.target FROM runs WHERE runs.id = run_id)")
    op.drop_index("ix_claims_actor_stance", table_name="claims")
    op.drop_index("ix_claims_article_actor", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.alter_column("target", existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint("uq_claims_span", type_="unique")
        batch_op.create_unique_constraint(
            "uq_claims_span", ["article_id", "target", "actor_id", "start", "end"]
        )
    op.create_index(
        "ix_claims_target_actor_stance", "claims", ["target", "actor_id", "stance"], unique=False
    )
    _counts_table(NEW_KEY)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.drop_table("actor_stance_counts")
    op.execute(
        "DELETE FROM claims WHERE EXISTS (SELECT 1 FROM claims AS older "
        "WHERE older.article_id = claims.article_id AND older.actor_id = claims.actor_id "
        'AND older.start = claims.start AND older."end" = claims."end" AND older.id < claims.id)'
    )
    op.drop_index("ix_claims_target_actor_stance", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint("uq_claims_span", type_="unique")
        batch_op.create_unique_constraint(
            "uq_claims_span", ["article_id", "actor_id", "start", "end"]
        )
        batch_op.drop_column("target")
    op.create_index("ix_claims_actor_stance", "claims", ["actor_id", "stance"], unique=False)
    op.create_index("ix_claims_article_actor", "claims", ["article_id", "actor_id"], unique=False)
    _counts_table(OLD_KEY)

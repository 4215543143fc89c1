"""data version: a counter the overview cache is keyed by, moved by this database's writes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:50:00

The overview cache (analysis/compare._Overviews) was keyed by PostgreSQL's current
snapshot, which moves with every write in the cluster: queue heartbeats, or another
database's writes, emptied it. `data_version` is one row whose `version` moves with every
commit that changes what the overview reads: `actor_stance_counts` (which the counting
triggers of migrations 0002/0011 already keep from every claim write that changes a count)
and `actors` (names). The counting triggers are reused as they are: the new triggers follow
the table they write, so no claim trigger is rewritten.

PostgreSQL: deferred constraint triggers, so the counter row is locked only at commit (a
writer holding count rows never waits on it mid-transaction: no deadlock between
extraction workers), and bumped once per transaction (`xact` records the last one).
SQLite: row triggers (writers are serialised by the database anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose writes the overview can see (docs/ARCHITECTURE.md, the service).
WATCHED = ("actor_stance_counts", "actors")
_EVENTS = ("insert", "update", "delete")

_PG_BUMP = """CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, xact = txid_current()
    WHERE id = 1 AND xact IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("xact", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    if dialect == "postgresql":
        op.execute(_PG_BUMP)
        for table in WATCHED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER trg_{table}_data_version "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()"
            )
        return
    for table in WATCHED:
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER trg_{table}_data_version_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN UPDATE data_version SET version = version + 1 "
                "WHERE id = 1; END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_data_version()")
    else:
        for table in WATCHED:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version_{event}")
    op.drop_table("data_version")

"""service reads: kept absent-speaker counts, claims carry their article's date

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 03:30:00

Two reads of the service were not index-backed at a million claims (BENCHMARKS.md, the
service under load):

- `compare` leaves out claims whose speaker is absent by subtracting them from the kept
  counts; finding them read every claim of the actors compared (3.8 s for the top actors
  on SQLite). `actor_stance_counts` now also keeps `absent` (claims with speaker evidence
  `absent`), maintained by the same triggers, which now also follow updates of
  `speaker_evidence`; the (target, speaker_evidence) index that found them goes.
- An actor's claims page is ordered by its articles' dates, which lived only on
  `articles`: the first page sorted all the actor's claims. `claims.published` is a copy of
  the article's date (written with the claims by `record_run`, kept by a trigger if an
  article's date is ever updated), indexed as (target, actor_id, published, article_id,
  start, id) and (target, published, article_id, start, id), so a page is a range scan.

The backfill rewrites every claim: on PostgreSQL the old row versions (published NULL) stay
in the new indexes until vacuumed, and an undated-claims lookup walks them (18 ms instead of
0.3 at 1M claims). Autovacuum clears them; where it is off, run `VACUUM ANALYZE claims`
once after upgrading (VACUUM cannot run inside the migration's transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("target", "actor_id", "stance")
_ABSENT = "CASE WHEN {row}.speaker_evidence = 'absent' THEN 1 ELSE 0 END"


def _counting(dialect: str, *, absent: bool) -> list[str]:
    """The counting triggers of migrations 0002/0004, with or without the absent count."""
    cols = ", ".join(_KEY)
    values = ", ".join(f"NEW.{c}" for c in _KEY)
    watched: tuple[str, ...] = _KEY
    if absent:
        upsert = (
            f"INSERT INTO actor_stance_counts ({cols}, claims, absent) "
            f"VALUES ({values}, 1, {_ABSENT.format(row='NEW')}) "
            f"ON CONFLICT ({cols}) DO UPDATE SET claims = actor_stance_counts.claims + 1, "
            "absent = actor_stance_counts.absent + excluded.absent"
        )
        less = f", absent = absent - {_ABSENT.format(row='OLD')}"
        watched = (*_KEY, "speaker_evidence")
    else:
        upsert = (
            f"INSERT INTO actor_stance_counts ({cols}, claims) VALUES ({values}, 1) "
            f"ON CONFLICT ({cols}) DO UPDATE SET claims = actor_stance_counts.claims + 1"
        )
        less = ""
    match = " AND ".join(f"{c} = OLD.{c}" for c in _KEY)
    decrement = f"UPDATE actor_stance_counts SET claims = claims - 1{less} WHERE {match}"
    on = ", ".join(watched)
    if dialect != "postgresql":
        return [
            f"CREATE TRIGGER trg_claims_counts_insert AFTER INSERT ON claims BEGIN {upsert}; END",
            f"CREATE TRIGGER trg_claims_counts_delete AFTER DELETE ON claims BEGIN "
            f"{decrement}; END",
            f"CREATE TRIGGER trg_claims_counts_update AFTER UPDATE OF {on} ON claims "
            f"BEGIN {decrement}; {upsert}; END",
        ]
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watched)
    return [
        f"""CREATE OR REPLACE FUNCTION claims_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {decrement};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {upsert};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER trg_claims_counts_insert_delete AFTER INSERT OR DELETE ON claims "
        "FOR EACH ROW EXECUTE FUNCTION claims_counts()",
        f"CREATE TRIGGER trg_claims_counts_update AFTER UPDATE OF {on} ON claims "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION claims_counts()",
    ]


def _drop_counting(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_claims_counts_update ON claims")
        op.execute("DROP TRIGGER IF EXISTS trg_claims_counts_insert_delete ON claims")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_claims_counts_{name}")


# An article's date is not edited by stancetrack today; if it ever is, its claims follow.
_SQLITE_DATE = (
    "CREATE TRIGGER trg_articles_published AFTER UPDATE OF published ON articles "
    "BEGIN UPDATE claims SET published = NEW.published WHERE article_id = NEW.id; END"
)
_PG_DATE = (
    """CREATE FUNCTION articles_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims SET published = NEW.published WHERE article_id = NEW.id;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER trg_articles_published AFTER UPDATE OF published ON articles "
    "FOR EACH ROW WHEN (OLD.published IS DISTINCT FROM NEW.published) "
    "EXECUTE FUNCTION articles_published()",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_counting(dialect)
    op.add_column(
        "actor_stance_counts",
        sa.Column("absent", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.execute(
        "UPDATE actor_stance_counts SET absent = a.n FROM (SELECT target, actor_id, stance, "
        "count(*) AS n FROM claims WHERE speaker_evidence = 'absent' "
        "GROUP BY target, actor_id, stance) AS a WHERE actor_stance_counts.target = a.target "
        "AND actor_stance_counts.actor_id = a.actor_id AND actor_stance_counts.stance = a.stance"
    )
    op.drop_index("ix_claims_target_speaker_evidence", table_name="claims")
    op.add_column("claims", sa.Column("published", sa.Date(), nullable=True))
    op.execute(
        "UPDATE claims SET published = "
        "(SELECT articles.published FROM articles WHERE articles.id = claims.article_id)"
    )
    op.create_index(
        "ix_claims_target_actor_published",
        "claims",
        ["target", "actor_id", "published", "article_id", "start", "id"],
        unique=False,
    )
    op.create_index(
        "ix_claims_target_published",
        "claims",
        ["target", "published", "article_id", "start", "id"],
        unique=False,
    )
    for statement in _counting(dialect, absent=True):
        op.execute(statement)
    for statement in _PG_DATE if dialect == "postgresql" else (_SQLITE_DATE,):
        op.execute(statement)
    _refresh_statistics(dialect)


def _refresh_statistics(dialect: str) -> None:
    """Plan with statistics for the new indexes where the database keeps statistics: a
    SQLite database analysed before (and PostgreSQL, sampled) would otherwise know the old
    indexes' selectivity and guess the new ones', and may walk a whole target in date order
    to find a few rows."""
    if dialect == "postgresql":
        op.execute("ANALYZE claims")
        return
    bind = op.get_bind()
    if bind.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    ).first():
        op.execute("ANALYZE claims")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_articles_published ON articles")
        op.execute("DROP FUNCTION IF EXISTS articles_published()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_articles_published")
    _drop_counting(dialect)
    op.drop_index("ix_claims_target_published", table_name="claims")
    op.drop_index("ix_claims_target_actor_published", table_name="claims")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("published")
    op.create_index(
        "ix_claims_target_speaker_evidence",
        "claims",
        ["target", "speaker_evidence"],
        unique=False,
    )
    with op.batch_alter_table("actor_stance_counts", schema=None) as batch_op:
        batch_op.drop_column("absent")
    for statement in _counting(dialect, absent=False):
        op.execute(statement)

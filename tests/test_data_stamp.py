"""The overview cache's stamp (migration 0014): a version kept in the database by triggers
on the tables the overview reads. A write to claims or actors moves it; a write to another
schema (PostgreSQL) or database (SQLite), or to a table the overview does not read (an
article stored, a queue's heartbeat), does not, so it keeps the cache.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text, update
from test_service_reads import _article, _fill, _overview, _statements, _uncached

from stancetrack.db import Database
from stancetrack.db.engine import alembic_config, normalize_url
from stancetrack.db.models import Actor, Claim, DataVersion
from stancetrack.db.repository.articles import store_article
from stancetrack.db.repository.data_stamp import data_stamp

_SCHEMA = re.compile(r"search_path%3D(\w+)")


@pytest.fixture
def other_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another database beside `db_url`'s: a file on SQLite, a schema of the same
    PostgreSQL database (same cluster, same server)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    found = _SCHEMA.search(db_url)
    assert found is not None
    schema = f"st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db_url[: found.start()].rstrip("?&").removesuffix("options=-c"))
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.commit()
    try:
        yield db_url.replace(found.group(1), schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.commit()
        admin.dispose()


def _version(db: Database) -> int:
    with db.session() as s:
        return int(s.scalars(select(DataVersion.version)).one())


def test_upgrade_head_makes_the_counter_and_its_triggers(db_url: str) -> None:
    engine = create_engine(normalize_url(db_url))
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, version FROM data_version")).all() == [(1, 0)]
        with engine.begin() as conn:  # one transaction, two rows
            conn.execute(
                text(
                    "INSERT INTO actors (name, key, actor_type, created_at) VALUES "
                    "('A', 'a', 'person', :t), ('B', 'b', 'person', :t)"
                ),
                {"t": datetime(2026, 1, 1)},
            )
        with engine.connect() as conn:
            moved = conn.execute(text("SELECT version FROM data_version")).scalar_one()
        # PostgreSQL bumps once per transaction (at commit); SQLite once per row.
        assert moved == (1 if engine.dialect.name == "postgresql" else 2)
    finally:
        engine.dispose()


def test_writes_the_overview_cannot_see_keep_its_cache(db_url: str, other_url: str) -> None:
    db, other = Database(db_url), Database(other_url)
    try:
        ids = _fill(db)
        _fill(other)
        first = _overview(db)
        with db.session() as s:
            stamp = data_stamp(s)
        assert stamp is not None

        seen = _statements(db)
        with other.session() as s:  # claims of another schema / database
            s.execute(update(Claim).values(stance="oppose"))
            s.execute(text("UPDATE actors SET name = name || ' (other)'"))
        with db.session() as s:  # a table of this database the overview does not read
            store_article(s, _article(999, None))
        with db.session() as s:
            assert data_stamp(s) == stamp
        assert _overview(db) == first
        assert not [q for q, _ in seen if "actor_stance_counts" in q]  # a cache hit

        before = _version(db)
        with db.session() as s:  # claims of this database: the stamp moves, the rows follow
            s.execute(update(Claim).where(Claim.actor_id == ids[0]).values(stance="neutral"))
        assert _version(db) > before
        second = _overview(db)
        assert second != first
        assert second == _uncached(db)
        assert [q for q, _ in seen if "actor_stance_counts" in q]
    finally:
        other.dispose()
        db.dispose()


def test_a_session_with_writes_of_its_own_does_not_cache(db_url: str) -> None:
    db = Database(db_url)
    try:
        _fill(db)
        with db.session() as s:
            assert data_stamp(s) is not None
            s.add(Actor(name="Uncommitted", key="uncommitted"))
            s.flush()
            assert data_stamp(s) is None
            s.rollback()
    finally:
        db.dispose()

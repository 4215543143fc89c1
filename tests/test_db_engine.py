"""The database layer: auto-migration on first use, SQLite tuning, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from stancetrack.db import Database
from stancetrack.db.engine import (
    CACHE_SPILL_PAGES,
    WAL_AUTOCHECKPOINT_PAGES,
    DatabaseUnavailableError,
    current_heads,
    migrate,
    normalize_url,
    redact_url,
    schema_heads,
)
from stancetrack.db.models import ActorAlias, Base
from stancetrack.errors import ConfigError


def test_first_use_creates_every_table_at_head(db_url: str) -> None:
    db = Database(db_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with db.engine.connect() as conn:
            assert current_heads(conn) == schema_heads()
        # Opening again is a no-op that leaves the version alone.
        Database(db_url).dispose()
        with db.engine.connect() as conn:
            assert current_heads(conn) == schema_heads()
    finally:
        db.dispose()


def test_sqlite_pragmas_are_on(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            autocheckpoint = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            assert autocheckpoint == WAL_AUTOCHECKPOINT_PAGES
            assert conn.exec_driver_sql("PRAGMA cache_spill").scalar() == CACHE_SPILL_PAGES
    finally:
        db.dispose()


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(ActorAlias(actor_id=987654, alias="Nobody", key="nobody", origin="model"))
        session.flush()


def test_sqlite_file_in_a_new_directory(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "dir" / "st.db"
    Database(f"sqlite:///{target}").dispose()
    assert target.exists()


def test_sqlite_file_under_a_regular_file_is_one_config_line(tmp_path: Path) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Database(f"sqlite:///{blocker / 'sub' / 'st.db'}")
    message = str(caught.value)
    assert message.startswith("cannot create the folder of database sqlite:///")
    assert str(blocker) in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_sqlite_wal_switch_retries_a_locked_database() -> None:
    """Two processes opening a new file at once: SQLite may refuse the WAL switch with
    "database is locked" at once, without its busy handler (tests/test_db_articles.py's
    two-process test hit it about once in 20 runs); the connection tries again."""
    import sqlite3

    from stancetrack.db.engine import _enable_wal

    class Cursor:
        def __init__(self, failures: list[str]) -> None:
            self.failures = failures
            self.calls = 0

        def execute(self, sql: str) -> None:
            self.calls += 1
            if self.failures:
                raise sqlite3.OperationalError(self.failures.pop(0))

    locked = Cursor(["database is locked", "database is locked"])
    _enable_wal(locked)
    assert locked.calls == 3
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        _enable_wal(Cursor(["disk I/O error"]))  # other errors are not retried


def test_skip_check_uses_the_two_column_index(sqlite_url: str) -> None:
    """The per-input skip check must not walk every successful run (ix_runs_status)."""
    database = Database(sqlite_url)
    try:
        with database.engine.connect() as conn:
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT cache_key FROM runs "
                    "WHERE cache_key IN ('a', 'b') AND status = 'ok'"
                )
            )
    finally:
        database.dispose()
    assert "ix_runs_cache_key_status" in plan, plan


def test_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(DatabaseUnavailableError) as caught:
        Database("postgresql://alice:hunter2@127.0.0.1:1/news")
    message = str(caught.value)
    assert message.startswith("cannot open database postgresql://alice:***@127.0.0.1:1/news: ")
    assert "hunter2" not in message
    assert "\n" not in message
    assert caught.value.exit_code == 1


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not SQLite " * 100, encoding="utf-8")
    with pytest.raises(DatabaseUnavailableError, match="cannot open database"):
        Database(f"sqlite:///{path}")


def test_invalid_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Database("not a url")
    assert caught.value.exit_code == 2


def test_a_newer_schema_is_refused_clearly(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'fffffffffff9'"))
    engine.dispose()
    with pytest.raises(DatabaseUnavailableError, match="newer than this stancetrack"):
        Database(db_url)


def test_migrate_on_an_engine_is_idempotent(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert current_heads(conn) == schema_heads()
    engine.dispose()


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert redact_url("postgresql://u:secret@h/d") == "postgresql://u:***@h/d"


def test_other_databases_are_refused_up_front() -> None:
    with pytest.raises(ConfigError, match="unsupported database mysql://u:\\*\\*\\*@h/d"):
        Database("mysql://u:pw@h/d")

"""Migrations == models: `upgrade head` on an empty database yields exactly the models.

Generic over every revision in stancetrack/db/migrations/versions: a new model change
without its migration (or a migration that drifts from the models) fails here, on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, create_engine, inspect

from stancetrack.db.engine import alembic_config, current_heads, normalize_url, schema_heads
from stancetrack.db.models import Base


def _upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_one_head() -> None:
    assert len(schema_heads()) == 1, "migrations branched: add a merge revision"


def test_upgrade_head_matches_the_models(db_url: str) -> None:
    engine = create_engine(normalize_url(db_url))
    try:
        assert inspect(engine).get_table_names() == []
        _upgrade(engine)
        assert _differences(engine) == []
        with engine.connect() as conn:
            assert current_heads(conn) == schema_heads()
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = create_engine(normalize_url(db_url))
    try:
        _upgrade(engine)
        _downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        _upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_the_comparison_does_see_drift(sqlite_url: str) -> None:
    """Guard for the guard: a model change without a migration is reported."""
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["articles"].append_column(Column("language", String(8), index=True))
    engine = create_engine(sqlite_url)
    try:
        _upgrade(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), drifted)
        assert any(d[0] == "add_column" and d[3].name == "language" for d in diffs)
        assert any(d[0] == "add_index" for d in diffs)
    finally:
        engine.dispose()

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


def test_0012_files_stored_band_keys_by_week_and_back(db_url: str) -> None:
    """Keys stored under (key, article_id) keep their articles across 0012, each filed under
    its article's week (its date, else the day it was stored), and come back on downgrade;
    on SQLite the new table is WITHOUT ROWID."""
    from datetime import date, datetime

    from sqlalchemy import text

    from stancetrack.db.repository.stories import week_of

    engine = create_engine(normalize_url(db_url))
    articles = [
        (1, date(2026, 1, 5), datetime(2026, 11, 30, 12)),
        (2, None, datetime(2026, 11, 30, 23, 59)),
        (3, date(1969, 12, 31), datetime(2026, 11, 30)),
    ]
    keys = {(k * 7919 - 2**62, a) for a, _, _ in articles for k in range(1, 5)}
    try:
        _upgrade(engine, "0011")
        with engine.begin() as conn:
            for id_, published, created in articles:
                conn.execute(
                    text(
                        "INSERT INTO articles (id, sha256, title, source, format, text, chars, "
                        "created_at, published, story_id) VALUES (:id, :sha, 't', 's', 'json', "
                        "'x', 1, :created, :published, :id)"
                    ),
                    {"id": id_, "sha": f"s{id_}", "created": created, "published": published},
                )
                conn.execute(
                    text("INSERT INTO story_signatures (article_id, signature) VALUES (:a, :s)"),
                    {"a": id_, "s": b"\0" * 8},
                )
            conn.execute(
                text("INSERT INTO story_bands (key, article_id) VALUES (:k, :a)"),
                [{"k": k, "a": a} for k, a in keys],
            )
        _upgrade(engine)
        weeks = {a: week_of(p or c.date()) for a, p, c in articles}
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT week, key, article_id FROM story_bands")).all()
            if engine.dialect.name == "sqlite":
                ddl = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'story_bands'")
                ).scalar()
                assert "WITHOUT ROWID" in str(ddl)
        assert sorted(rows) == sorted((weeks[a], k, a) for k, a in keys)
        assert weeks[3] == -1 and weeks[1] != weeks[2]
        _downgrade(engine, "0011")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT key, article_id FROM story_bands")).all()
        assert sorted(back) == sorted(keys)
    finally:
        engine.dispose()

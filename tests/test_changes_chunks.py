"""`changes` over many actors and articles binds its id lists in chunks: SQLite refuses a
statement of more than 32,766 variables, and `changes` over every actor of a million
claims asked for 990,000 at once. With the chunk set to 2, the answer is the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stancetrack.analysis import changes as changes_module
from stancetrack.db import Database
from stancetrack.db.read_models import dump
from stancetrack.db.repository import chunks

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"


def _answer(session: Any) -> list[dict[str, Any]]:
    return [dump(c.read_model()) for c in changes_module.changes(session, target="NATO expansion")]


def test_changes_in_chunks_equal_changes_at_once(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(["extract", str(ARTICLES), "--db", sqlite_url, "-f", "json"]).exit_code == 0
    db = Database(sqlite_url)
    try:
        with db.sessions() as session:
            whole = [
                dump(c.read_model())
                for c in changes_module.changes(session, target="NATO expansion")
            ]
        for module in (chunks, changes_module):
            monkeypatch.setattr(module, "IN_CHUNK", 2)
        with db.sessions() as session:
            parts = [
                dump(c.read_model())
                for c in changes_module.changes(session, target="NATO expansion")
            ]
    finally:
        db.dispose()
    assert len(whole) > 2 and parts == whole

"""Shared fixtures: every test's state lives in tmp_path; databases are real.

`db_url` runs a test on SQLite and on PostgreSQL (a fresh schema per test on the local
server, STANCETRACK_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/test).
If PostgreSQL is unreachable the postgres cases fail, unless STANCETRACK_TEST_SKIP_PG=1.
"""

from __future__ import annotations

import io
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cli_types import CliResult, RunCli
from sqlalchemy import create_engine, text

from stancetrack.db import Database

if TYPE_CHECKING:
    from stub_server import StubServer

# Helper modules with asserts of their own, shared by several test modules: registered here,
# before any test module imports them, so that pytest rewrites their asserts once.
pytest.register_assert_rewrite("analysis_corpus", "service_site")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get(
    "STANCETRACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# Settings come from the environment: keep the developer's own out of tests.
_KEEP = {"STANCETRACK_TEST_PG_URL", "STANCETRACK_TEST_SKIP_PG"}
for _var in list(os.environ):
    if _var.startswith(("STANCETRACK_", "OPENAI_")) and _var not in _KEEP:
        del os.environ[_var]


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in its own directory: default SQLite file and .env land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if os.environ.get("STANCETRACK_TEST_SKIP_PG") == "1":
        pytest.skip("STANCETRACK_TEST_SKIP_PG=1")
    schema = f"st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def cli() -> RunCli:
    """Run the CLI in-process: cli(["articles", "--format", "json"]) -> CliResult."""

    def run(args: Sequence[str | Path], stdin: bytes | None = None) -> CliResult:
        from stancetrack.cli.app import main

        out, errb = io.StringIO(), io.StringIO()
        old_stdin = sys.stdin
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
        try:
            with redirect_stdout(out), redirect_stderr(errb):
                code = main([str(a) for a in args])
        finally:
            sys.stdin = old_stdin
        return CliResult(code, out.getvalue(), errb.getvalue())

    return run


@pytest.fixture
def stub() -> Iterator[StubServer]:
    """A running OpenAI-compatible stub server (tests/stub_server.py); script it per test."""
    from stub_server import StubServer

    with StubServer() as server:
        yield server

"""Engines and sessions: SQLite tuned for a local tool, PostgreSQL with the same code.

`open_database` migrates to the latest schema on first use, so no setup step is needed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from stancetrack.errors import ConfigError, StancetrackError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SUPPORTED_BACKENDS = {"sqlite", "postgresql"}


class DatabaseUnavailableError(StancetrackError):
    """The database could not be reached or migrated (server down, bad path, no rights)."""


def normalize_url(url: str) -> str:
    """Pick psycopg 3 for bare postgresql:// URLs (the driver the `postgres` extra ships)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_db_engine(url: str, *, echo: bool = False, create: bool = True) -> Engine:
    """An engine for `url`; with `create=False` a SQLite file that does not exist is an
    error instead of a new empty database (read commands: a mistyped `--db` must not
    leave folders and an empty database behind and answer "nothing")."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL {url!r}") from exc
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"unsupported database {redact_url(url)}: use sqlite:///FILE or postgresql://..."
        )
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            if not create and not Path(database).expanduser().is_file():
                raise ConfigError(
                    f"no database at {database}: nothing was extracted there (check --db or "
                    "STANCETRACK_DATABASE_URL, or run `stancetrack extract` first)"
                )
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                if isinstance(exc, FileExistsError):
                    reason = "exists and is not a folder"
                raise ConfigError(
                    f"cannot create the folder of database {redact_url(url)}: "
                    f"{exc.filename or folder}: {reason}"
                ) from None
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ModuleNotFoundError) as exc:
        hint = " (install stancetrack[postgres])" if "psycopg" in str(exc) else ""
        raise ConfigError(f"cannot use database {redact_url(url)}: {exc}{hint}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# Pages the write-ahead log may hold before a commit copies them into the database file
# (SQLite's default is 1,000, about 4 MB). Each copy ends with an fsync; at the default,
# `extract` spent about a third of its writer's time waiting for them on this machine's
# disk (BENCHMARKS.md, corpus scale). The log file then stays up to about 40 MB.
WAL_AUTOCHECKPOINT_PAGES = 10_000

# Dirty pages a transaction may hold in memory before SQLite writes them to the log ahead of
# the commit (by default it spills once they exceed its page cache, about 500 pages).
# `extract` stores a group of replies per transaction; on a large database their index
# inserts dirty more pages than that, the spilled pages were written again at the commit,
# and the log took 47% more frames (28,993 instead of 42,742 for a 1,000-article window
# after 100,000 articles; BENCHMARKS.md, corpus scale). A larger page cache would do the
# same but slowed every query that builds a temporary table (the story lookup: 6x). Up to
# about 64 MB of a transaction stays in memory; bigger ones (migrations) still spill.
# SQLite also reads this number as on/off from its low byte: a multiple of 256 would turn
# spilling off altogether (the test checks the value reads back).
CACHE_SPILL_PAGES = 16_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    _enable_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cur.execute(f"PRAGMA cache_spill={CACHE_SPILL_PAGES}")
    cur.close()


# How long a connection keeps trying to switch a new database to WAL (see _enable_wal).
_WAL_WAIT_S = 30.0


def _enable_wal(cur: Any) -> None:
    """Put the database in WAL mode, waiting out other processes that open it too.

    WAL is stored in the file, so this is a read once any process has set it. Switching a
    fresh database needs an exclusive lock, and SQLite answers "database is locked" at once,
    without its busy handler, when another process opening it at the same moment holds a
    lock (seen about once in 20 starts of two processes on a new file): retry briefly.
    """
    deadline = time.monotonic() + _WAL_WAIT_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def alembic_config() -> Any:
    """Alembic config for our migrations; the connection is handed over in `attributes`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def schema_heads() -> set[str]:
    """The revisions a fully migrated database is at."""
    return set(_scripts().get_heads())


def current_heads(conn: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(conn).get_current_heads())


# Any constant works: it names the lock that serialises migrations across processes.
_PG_MIGRATION_LOCK = 0x5354_414E_4345


def migrate(engine: Engine) -> None:
    """Upgrade the database to head; a cheap no-op when it is already there.

    Two processes opening a fresh database at once must not both create the tables: the
    upgrade runs under a lock (SQLite: a write transaction, PostgreSQL: an advisory lock)
    and checks the version again once it holds it.
    """
    from alembic import command

    heads = schema_heads()
    with engine.connect() as conn:
        if current_heads(conn) == heads:
            return
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite does not BEGIN before DDL by itself; this makes the DDL one
            # transaction and waits (busy_timeout) for any other writer.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        current = current_heads(conn)
        if current == heads:
            return
        known = {script.revision for script in _scripts().walk_revisions()}
        if current - known:
            raise DatabaseUnavailableError(
                f"the database schema (revision {', '.join(sorted(current - known))}) is newer "
                "than this stancetrack knows: upgrade stancetrack"
            )
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    """An engine plus a session factory; the object the library passes around."""

    def __init__(
        self, url: str, *, auto_migrate: bool = True, echo: bool = False, create: bool = True
    ) -> None:
        self.url = normalize_url(url)
        self.display_url = redact_url(url)
        self.engine = create_db_engine(self.url, echo=echo, create=create)
        if auto_migrate:
            try:
                migrate(self.engine)
            except Exception as exc:
                self.engine.dispose()
                if isinstance(exc, StancetrackError):
                    raise
                raise DatabaseUnavailableError(
                    f"cannot open database {self.display_url}: {_first_line(exc)}"
                ) from exc
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

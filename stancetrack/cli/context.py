"""Helpers commands share: settings with option overrides, opening the database.

Settings and the database layer are imported on first use, so that `--help` and `--version`
do not pay for pydantic-settings and SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from stancetrack.db import Database
    from stancetrack.settings import Settings


def settings_for(db: str | None = None, *, target: str | None = None) -> Settings:
    """Settings from the environment and `.env`, with `--db` and `--target` on top (when
    given), for commands that take no other setting."""
    from stancetrack.settings import settings_from_options

    return settings_from_options({"db": db, "target": target})


def command_settings(ctx: typer.Context, *, exclude: Collection[str] = ()) -> Settings:
    """Settings from the environment and `.env`, with the options the command was given on
    top: each of its parameters that sets a setting (settings.SETTING_OF_OPTION), but
    `exclude`."""
    from stancetrack.settings import SETTING_OF_OPTION, settings_from_options

    given = {
        name: value
        for name, value in ctx.params.items()
        if name in SETTING_OF_OPTION and name not in exclude
    }
    return settings_from_options(given)


def query_target(session: Session, target: str | None) -> str:
    """The target a query reads, as stored: `--target`, else the configured one (env,
    `.env`), matched to the stored targets ignoring case and spacing; an explicit target
    with no claims is an error naming those that have some (exit 2)."""
    from stancetrack.db.repository.targets import stored_targets
    from stancetrack.targets import resolve_query_target

    configured = settings_for(None).target
    return resolve_query_target(target, configured, stored_targets(session))


def open_db(settings: Settings, *, create: bool = True) -> Database:
    from stancetrack.db import Database

    return Database(settings.database_url, create=create)


@contextmanager
def db_session(db: str | None) -> Iterator[Session]:
    """One transaction on the existing database `--db` names (never a new one: these are
    queries and fixes of stored rows); the engine is closed afterwards."""
    database = open_db(settings_for(db), create=False)
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()

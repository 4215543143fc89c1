"""Helpers commands share: settings with option overrides, opening the database."""

from __future__ import annotations

from stancetrack.db import Database
from stancetrack.settings import Settings, load_settings


def settings_for(db: str | None = None, **overrides: object) -> Settings:
    return load_settings(database_url=db, **overrides)


def open_db(settings: Settings) -> Database:
    return Database(settings.database_url)

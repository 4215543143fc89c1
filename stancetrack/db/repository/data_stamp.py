"""The change stamp of the compare overview's cache, read from the database.

`data_version.version` (migration 0014) moves, by triggers, with every commit that writes
what the overview reads (`actor_stance_counts`, kept from `claims`; `actors`), and with
nothing else: writes to other tables, schemas or databases keep the cache.
"""

from __future__ import annotations

from collections.abc import Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stancetrack.db.models import DataVersion


def data_stamp(session: Session) -> Hashable | None:
    """A value that changes whenever data the overview reads may have changed, correct
    across processes because it is read from the database (docs/ARCHITECTURE.md, service).
    None: do not cache.

    The stamp names the database (its URL, and on PostgreSQL the schema) and its version.
    A session that has written rows of its own not yet committed gets None: it sees data no
    other session does, under a version that does not count them yet. An in-memory SQLite
    database gets None: its URL does not tell one such database from another.
    """
    conn = session.connection()
    url = conn.engine.url
    dialect = conn.dialect.name
    if dialect == "postgresql":
        version, schema, unwritten = conn.execute(
            select(
                DataVersion.version,
                func.current_schema(),
                func.pg_current_xact_id_if_assigned().is_(None),
            ).where(DataVersion.id == 1)
        ).one()
        if not unwritten:
            return None
        return ("pg", url.render_as_string(hide_password=True), schema, version)
    if dialect != "sqlite":
        return None
    path = url.database
    if not path or path == ":memory:" or "mode=memory" in str(url):
        return None
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or getattr(dbapi, "in_transaction", True):
        return None
    version = conn.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
    return ("sqlite", str(path), version)

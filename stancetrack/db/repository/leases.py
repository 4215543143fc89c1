"""Leases: which process is extracting which article right now (see models.Lease).

`take` is one atomic statement per key on both SQLite and PostgreSQL:
`INSERT ... ON CONFLICT (cache_key) DO UPDATE ... WHERE <the lease may be taken>
RETURNING cache_key`, where a lease may be taken when it has expired, is already ours, or
belongs to a process of this host that has died (checked with the process table first,
and re-checked by the statement: the owner must still be that dead process). A row comes
back only to the process that now holds the lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stancetrack.db.limits import check
from stancetrack.db.models import Lease, utcnow

# Long enough for any request with its retries; a crash on another host frees its
# articles after this. On the same host a dead owner's leases are taken at once.
LEASE_SECONDS = 900

_LEASES = cast(Table, Lease.__table__)
_INSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


@dataclass(frozen=True, slots=True)
class Owner:
    """A process holding leases: host, pid, and a token (pids are reused)."""

    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"


def _dead_here(owner_id: str, me: Owner) -> bool:
    """True when `owner_id` names a process of this host that no longer runs."""
    parts = owner_id.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != me.host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """True when `pid` has exited but was not reaped. Signal 0 still reaches such a
    process. An orphaned database process ends up like this when its parent was killed and
    the new parent does not reap it, as a container's first process may not, and its
    leases would then be held until they expire (/proc: Linux; elsewhere signal 0 is all
    we know)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return Path("/proc/self").exists()  # gone between the two checks, or no /proc
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] in (["Z"], ["X"])


def take(
    session: Session,
    keys: Collection[str],
    owner: Owner,
    *,
    seconds: float = LEASE_SECONDS,
    now: datetime | None = None,
) -> set[str]:
    """Lease these cache keys to `owner`; returns the ones it now holds."""
    if not keys:
        return set()
    now = now or utcnow()
    conn = session.connection()
    holders = conn.execute(_HOLDERS, {"keys": sorted(set(keys))}).scalars()
    dead = [h for h in holders if h != owner.id and _dead_here(h, owner)]
    # Sorted: two processes leasing overlapping sets lock rows in one order (no deadlock).
    rows = [{"cache_key": k, "owner": owner.id, "expires_at": now + timedelta(seconds=seconds)}
            for k in sorted(keys)]  # fmt: skip
    check(_LEASES, rows)
    held: set[str] = set()
    stmt = _TAKE[conn.dialect.name]
    for row in rows:
        params = {**row, "now": now, "me": owner.id, "dead": dead}
        if conn.execute(stmt, params).scalar() is not None:
            held.add(str(row["cache_key"]))
    return held


def _take_statement(insert: Any) -> Any:
    """The conditional upsert of one lease, built once per dialect (bound parameters)."""
    stmt = insert(_LEASES).values(
        cache_key=bindparam("cache_key"),
        owner=bindparam("owner"),
        expires_at=bindparam("expires_at"),
    )
    free = (
        (_LEASES.c.expires_at < bindparam("now"))
        | (_LEASES.c.owner == bindparam("me"))
        | _LEASES.c.owner.in_(bindparam("dead", expanding=True))
    )
    return stmt.on_conflict_do_update(
        index_elements=[_LEASES.c.cache_key],
        set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at},
        where=free,
    ).returning(_LEASES.c.cache_key)


_TAKE: dict[str, Any] = {name: _take_statement(insert) for name, insert in _INSERT.items()}
_HOLDERS = (
    select(_LEASES.c.owner).where(_LEASES.c.cache_key.in_(bindparam("keys", expanding=True)))
).distinct()
_RELEASE = delete(_LEASES).where(
    _LEASES.c.cache_key.in_(bindparam("keys", expanding=True)),
    _LEASES.c.owner == bindparam("me"),
)


def release(session: Session, keys: Collection[str], owner: Owner) -> None:
    """Give these leases up (only the ones `owner` holds)."""
    if keys:
        session.connection().execute(_RELEASE, {"keys": sorted(set(keys)), "me": owner.id})


def release_all(session: Session, owner: Owner) -> None:
    session.connection().execute(delete(_LEASES).where(_LEASES.c.owner == owner.id))

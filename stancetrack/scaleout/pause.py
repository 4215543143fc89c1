"""The shared 429 back-off: a row per endpoint saying until when every worker holds off.

Each request reads it first (cached for a fraction of a second, so N workers cost a few
reads per second, not one per request); a 429 sets it from Retry-After. N workers meeting a
rate limit thus wait together instead of each retrying into it on its own.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.db.repository.batches import pause_endpoint, paused_until

READ_EVERY = 0.25  # seconds a read of the pause is trusted


class DbPause:
    """`llm.retries.SharedPause` kept in the database (one row per endpoint)."""

    def __init__(self, db: Database, endpoint: str) -> None:
        self.db = db
        self.endpoint = endpoint
        self._until: datetime | None = None
        self._read_at = 0.0

    def _read(self) -> datetime | None:
        with self.db.sessions() as session:
            return paused_until(session, self.endpoint)

    def _write(self, seconds: float) -> datetime:
        with self.db.session() as session:
            return pause_endpoint(session, self.endpoint, seconds)

    async def wait(self) -> None:
        while True:
            if time.monotonic() - self._read_at > READ_EVERY:
                self._until = await asyncio.to_thread(self._read)
                self._read_at = time.monotonic()
            left = (self._until - utcnow()).total_seconds() if self._until else 0.0
            if left <= 0:
                return
            await asyncio.sleep(min(left, 5.0))

    async def hold(self, seconds: float) -> None:
        self._until = await asyncio.to_thread(self._write, seconds)
        self._read_at = time.monotonic()

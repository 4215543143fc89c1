"""Background extraction of posted articles, in this process (the worker issue scales out).

`POST /api/articles` stores the article at once (so it can be answered with its id) and
queues it here; one task extracts queued articles one at a time with the configured backend
through the same library path as `stancetrack extract`, so runs and claims appear as usual.
The pipeline reads its inputs from paths: each article is spooled as a JSON file in a
private directory (same bytes as stored, so the same sha256: no duplicate article).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

from stancetrack.db import Database
from stancetrack.pipeline.api import extract_async
from stancetrack.settings import Settings

log = logging.getLogger("stancetrack.service")

# Posted articles waiting for extraction; beyond this a POST is refused (503).
QUEUE_SIZE = 256
# Seconds shutdown waits for the article being extracted.
STOP_TIMEOUT = 30.0


class QueueFullError(Exception):
    pass


class ExtractionQueue:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._queue: asyncio.Queue[Path] | None = None
        self._task: asyncio.Task[None] | None = None
        self._spool = tempfile.TemporaryDirectory(prefix="stancetrack-serve-")
        self.accepted = 0  # articles handed to put() so far (names their spool files)
        self._stopping = False

    async def start(self) -> None:
        self._queue = asyncio.Queue(QUEUE_SIZE)
        self._task = asyncio.create_task(self._work(), name="stancetrack-extraction")

    async def stop(self) -> None:
        """Stop after the article in hand: the pipeline finishes (or abandons) it and stores
        what was answered; articles still queued stay stored, unextracted (extract them with
        `stancetrack extract` or post them again)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            # The batch may absorb the cancellation to finish its writes; the loop then sees
            # `_stopping` and returns. Bounded, so a stuck backend cannot block shutdown.
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
        self._spool.cleanup()

    def put(self, data: bytes) -> None:
        """Queue one article (JSON bytes as `stancetrack extract` reads them)."""
        if self._queue is None:
            raise QueueFullError("the extraction queue is not running")
        self.accepted += 1
        path = Path(self._spool.name) / f"article-{self.accepted:08d}.json"
        path.write_bytes(data)
        try:
            self._queue.put_nowait(path)
        except asyncio.QueueFull:
            path.unlink(missing_ok=True)
            raise QueueFullError("too many articles waiting for extraction") from None

    async def join(self) -> None:
        """Wait until everything queued so far is extracted (tests, shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def _work(self) -> None:
        assert self._queue is not None
        while not self._stopping:
            path = await self._queue.get()
            try:
                summary = await extract_async([str(path)], self.settings, database=self.database)
                log.info(
                    "extracted %s: %d claim(s), %d failed",
                    path.name,
                    summary.claims,
                    summary.failed,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad article must not stop the queue
                log.error("extraction of %s failed: %s", path.name, exc)
            finally:
                path.unlink(missing_ok=True)
                self._queue.task_done()

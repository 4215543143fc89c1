"""Background extraction of posted articles, through the server's one engine.

`POST /api/articles` stores the article at once (so it can be answered with its id) and
queues it here; one task feeds what is queued to the engine (pipeline/engine.py), built once
in the server's lifespan: one backend, one client pool, one writer thread. Runs and claims
appear as for `stancetrack extract`.

- Bounded: beyond `QUEUE_SIZE` waiting articles a POST is refused (503 with Retry-After).
- Grouped: the articles waiting when the engine is free go over as one run (their replies
  are stored in one transaction each group, as `extract` does).
- Nothing lost on SIGTERM: a posted article is stored before it is queued; at shutdown the
  run in hand finishes (bounded) and what is still queued stays stored without a run, and
  is queued again at the next start (`unextracted_articles`).
- No fork: the writer is a thread. A writer process forked from the threaded server
  inherited a lock another thread held at the fork and never stored anything (measured:
  1 of 30 posted articles extracted after 90 s on SQLite).
"""

from __future__ import annotations

import asyncio
import logging

from stancetrack.db import Database
from stancetrack.db.repository.articles import unextracted_articles
from stancetrack.ingest import ArticleInput
from stancetrack.pipeline import Engine, ExtractObserver
from stancetrack.settings import Settings

log = logging.getLogger("stancetrack.service")

# Posted articles waiting for extraction; beyond this a POST is refused (503).
QUEUE_SIZE = 256
# Articles handed to the engine as one run at most.
GROUP = 64
# Seconds shutdown waits for the run in hand.
STOP_TIMEOUT = 30.0
# The source posted articles are stored under (service/api.py).
POSTED = "api"


class QueueFullError(Exception):
    """Too many articles wait; `retry_after` is a fair guess in seconds."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ExtractionQueue:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.engine: Engine | None = None
        self._queue: asyncio.Queue[ArticleInput] | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiting: set[str] = set()  # sha256 of queued articles: a repost is not queued twice
        self.accepted = 0  # articles queued so far (tests: a repost of a done text adds none)
        self._stopping = False

    async def start(self) -> None:
        self.engine = Engine.open(
            self.settings,
            database=self.database,
            writer_process=False,
            on_notice=lambda notice: log.info("%s", notice),
        )
        self._queue = asyncio.Queue(QUEUE_SIZE)
        for item in await asyncio.to_thread(self._left_over):
            self.put(item)
        self._task = asyncio.create_task(self._work(), name="stancetrack-extraction")

    def _left_over(self) -> list[ArticleInput]:
        """Posted articles a previous server stored but did not extract (stopped first)."""
        with self.database.sessions() as session:
            return unextracted_articles(
                session, source=POSTED, target=self.settings.target, limit=QUEUE_SIZE
            )

    async def stop(self) -> None:
        """Stop after the run in hand: the engine finishes (or abandons) it and stores what
        was answered; articles still queued stay stored, unextracted, and are queued again
        at the next start."""
        self._stopping = True
        try:
            if self._task is not None:
                self._task.cancel()
                # The run may absorb the cancellation to finish its writes. Bounded, so a
                # stuck backend cannot block shutdown.
                await asyncio.wait({self._task}, timeout=STOP_TIMEOUT)
        finally:
            if self.engine is not None:
                await self.engine.aclose()

    def put(self, item: ArticleInput) -> bool:
        """Queue one stored article; False when it is already waiting."""
        if self._queue is None or self._stopping:
            raise QueueFullError("the extraction queue is not running")
        if item.sha256 in self._waiting:
            return False
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            raise QueueFullError("too many articles waiting for extraction") from None
        self._waiting.add(item.sha256)
        self.accepted += 1
        return True

    async def join(self) -> None:
        """Wait until everything queued so far is extracted (tests, shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def _work(self) -> None:
        assert self._queue is not None and self.engine is not None
        while not self._stopping:
            group = [await self._queue.get()]
            while len(group) < GROUP and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                summary = await self.engine.run(
                    inputs=group,
                    observer=ExtractObserver(
                        on_article_failed=lambda source, e: log.error("%s: %s", source, e)
                    ),
                )
                log.info(
                    "extracted %d posted article(s): %d claim(s), %d skipped, %d failed",
                    summary.extracted,
                    summary.claims,
                    summary.skipped,
                    summary.failed,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad group must not stop the queue
                log.error("extraction of %d posted article(s) failed: %s", len(group), exc)
            finally:
                for item in group:
                    self._waiting.discard(item.sha256)
                    self._queue.task_done()

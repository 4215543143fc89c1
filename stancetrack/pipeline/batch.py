"""The async batch: a reader, a producer, N request workers, and the hand-off to the writer.

    inputs --(reader thread: files, stdin, URLs)--> producer --(writer: skip check)-->
           bounded queue (2 x concurrency)
           --> N workers on the event loop: backend.extract (the network wait)
           --> writer: ground (before the transaction), then ONE transaction per article

- Streaming: inputs are read a few at a time and at most 2 x concurrency articles wait,
  so memory does not grow with the corpus.
- A failed article records a failed run and the batch goes on; a fatal backend error (bad
  key, unknown model) stops dispatching, as does cancellation (Ctrl-C). Work already
  answered is still written; requests in flight are abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Table

from stancetrack.db import limits
from stancetrack.db.models import Article, utcnow
from stancetrack.db.repository.articles import article_values
from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import Backend, BackendReply, ExtractionError, ExtractionRequest
from stancetrack.pipeline.messages import (
    Answered,
    BadInput,
    Failure,
    Outcome,
    Provenance,
    Skip,
    Work,
)
from stancetrack.pipeline.reading import Input, InputReader
from stancetrack.pipeline.storing import cache_key
from stancetrack.pipeline.summary import ExtractObserver, ExtractSummary
from stancetrack.pipeline.writer import Writer

log = logging.getLogger("stancetrack.pipeline")

# Inputs skip-checked per round trip to the writer (at most; fewer when reading is slow):
# at least this many, and at least the concurrency, so the slots stay fed.
READ_AHEAD = 16


def read_ahead(concurrency: int) -> int:
    return max(READ_AHEAD, concurrency)


_ARTICLES = cast(Table, Article.__table__)

# Replies stored in one transaction at most (Store.write_replies).
MAX_GROUP = 64

# A write handed to the writer, started when a slot is free.
PendingWrite = Callable[[], Awaitable[Outcome]]


class Batch:
    """One run over some inputs, through an engine's backend and writer (pipeline/engine.py):
    producer, workers, the hand-off to the writer, the counts."""

    def __init__(
        self,
        reader: InputReader,
        writer: Writer,
        backend: Backend,
        target: str,
        concurrency: int,
        observer: ExtractObserver,
        *,
        since: datetime | None = None,
        run_params: Mapping[str, Any] | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        # `--force`: only runs from this moment on count as done (the batch's start).
        self.since = since
        self.claimed: set[str] = set()  # cache keys leased by this batch
        self.run_params = run_params
        self.provenance = Provenance.of(backend)
        self.target = target
        self.backend = backend
        self.concurrency = concurrency
        self.observer = observer
        self.summary = ExtractSummary()
        # Two rounds of work buffered: a burst of writes on the database side must not
        # starve the workers of their next articles.
        self.queue: asyncio.Queue[Work | None] = asyncio.Queue(maxsize=2 * concurrency)
        self.in_flight: set[str] = set()  # text sha256 of articles queued or being extracted
        self.recent: OrderedDict[str, None] = OrderedDict()  # recently finished (bounded)
        self.requests: set[asyncio.Task[BackendReply]] = set()
        self.stopping = False
        self.error: Exception | None = None
        self.writes: set[asyncio.Task[None]] = set()
        self.write_slots = asyncio.Semaphore(concurrency)
        self.read_ahead = read_ahead(concurrency)
        self.answered: list[Answered] = []  # replies waiting for the writer
        self.flusher: asyncio.Task[None] | None = None

    def progress(self) -> None:
        if self.observer.on_progress is not None:
            self.observer.on_progress(self.summary)

    async def produce(self) -> None:
        """Decide the next chunk while this one is dispatched: the skip check is a round
        trip to the writer, queued behind the writes handed over before it, so one chunk
        at a time would leave the request slots idle when writes queue up (BENCHMARKS.md,
        corpus scale)."""
        ahead = asyncio.ensure_future(self.next_decided())
        try:
            while not self.stopping:
                decided = await ahead
                if decided is None:
                    break
                ahead = asyncio.ensure_future(self.next_decided())
                for nxt in decided:
                    if self.stopping:
                        return
                    await self.dispatch(nxt)
        finally:
            if not ahead.done():
                ahead.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ahead

    async def next_decided(self) -> list[Work | Skip | BadInput] | None:
        """The next chunk of inputs, decided; None when the inputs are exhausted."""
        chunk = await self.reader.next_chunk(self.read_ahead)
        return await self.decide(chunk) if chunk else None

    async def decide(self, chunk: list[Input]) -> list[Work | Skip | BadInput]:
        """Each input as work, a skip (already extracted this way) or a bad input."""
        prompt, model = self.provenance.prompt.sha256, self.provenance.model
        keys = [
            cache_key(item.sha256, prompt, model, self.target)
            if isinstance(item, ArticleInput)
            else ""
            for item in chunk
        ]
        invalid = [
            limits.problems(_ARTICLES, article_values(item))
            if isinstance(item, ArticleInput)
            else []
            for item in chunk
        ]
        wanted = [key for key, bad in zip(keys, invalid, strict=True) if key and not bad]
        # Leased for this batch, or skipped: done, or in flight in another process.
        held, done = await self.writer.claim_keys(wanted, self.since) if wanted else (set(), set())
        self.claimed |= held - done
        out: list[Work | Skip | BadInput] = []
        for item, key, bad in zip(chunk, keys, invalid, strict=True):
            if isinstance(item, InputError):
                out.append(BadInput(item.source, item.reason))
            elif bad:  # refused before it costs a request: it could not be stored
                out.append(BadInput(item.source, "; ".join(bad)))
            elif key in done or key not in held:
                out.append(Skip(item.sha256))
            else:
                out.append(Work(item, key, self.run_params))
        return out

    async def dispatch(self, nxt: Work | Skip | BadInput) -> None:
        summary = self.summary
        if isinstance(nxt, BadInput):
            summary.input_errors += 1
            if self.observer.on_input_error is not None:
                self.observer.on_input_error(InputError(nxt.source, nxt.reason))
            self.progress()
            return
        summary.articles += 1
        sha = nxt.sha256 if isinstance(nxt, Skip) else nxt.item.sha256
        if isinstance(nxt, Skip) or sha in self.in_flight or sha in self.recent:
            # Already extracted, or the same text is (or just was) in this batch.
            summary.skipped += 1
            self.progress()
            return
        self.in_flight.add(sha)
        await self.queue.put(nxt)

    async def work(self) -> None:
        while True:
            work = await self.queue.get()
            if work is None:
                return
            if self.stopping:
                self.in_flight.discard(work.item.sha256)
                continue
            await self.extract_one(work)

    def failed_write(self, exc: BaseException) -> None:
        """The database failed: stop; the error is raised once the batch has drained."""
        if self.error is None and isinstance(exc, Exception):
            self.error = exc
        self.stop()

    def finished(self, sha: str) -> None:
        """Forget an in-flight text, but remember it long enough to cover the read-ahead
        (inputs already checked against the database before this one was committed)."""
        self.in_flight.discard(sha)
        self.recent[sha] = None
        while len(self.recent) > 4 * self.read_ahead + 4 * self.concurrency:
            self.recent.popitem(last=False)

    async def extract_one(self, work: Work) -> None:
        item = work.item
        request = ExtractionRequest(
            title=item.title,
            text=item.text,
            target=self.target,
            published=item.published,
            source=item.source,
        )
        started = utcnow()
        t0 = time.perf_counter()
        task = asyncio.ensure_future(self.backend.extract(request))
        self.requests.add(task)
        try:
            await asyncio.wait({task})
        finally:
            self.requests.discard(task)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if task.cancelled():  # the batch is stopping: this article stays unfinished
            self.in_flight.discard(item.sha256)
            return
        exc = task.exception()
        # Hand the write over and take the next article at once: replies arrive in bursts
        # and the single writer would otherwise hold up up to `concurrency` requests. The
        # slots bound how many finished replies may wait for the writer (memory).
        await self.write_slots.acquire()
        if exc is None:
            self.queue_reply(Answered(work, task.result(), started, elapsed_ms))
            return
        if isinstance(exc, ExtractionError):
            failure = Failure.of(exc)
            if failure.fatal and self.summary.fatal is None:
                # No later article can succeed: stop dispatching now, not after the write.
                self.summary.fatal = failure.message
                self.stop()
        else:  # a backend bug must not take the batch down: record it like any failure
            failure = Failure(f"unexpected {type(exc).__name__}: {exc}")
        pending: PendingWrite = partial(
            self.writer.write_failure, work, started, elapsed_ms, failure
        )
        write = asyncio.ensure_future(self.write(work, pending))
        self.writes.add(write)
        write.add_done_callback(self.writes.discard)

    def queue_reply(self, answered: Answered) -> None:
        """Hand a reply to the writer: replies waiting while it writes go over together,
        in one transaction (Store.write_replies)."""
        self.answered.append(answered)
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.ensure_future(self.flush_replies())
            self.writes.add(self.flusher)
            self.flusher.add_done_callback(self.writes.discard)

    async def flush_replies(self) -> None:
        while self.answered:
            group = self.answered[:MAX_GROUP]
            del self.answered[:MAX_GROUP]
            outcomes: list[Outcome] = []
            try:
                outcomes = await self.writer.write_replies(group)
            except Exception as exc:
                self.failed_write(exc)
            for answered, outcome in itertools.zip_longest(group, outcomes):
                if outcome is not None:
                    self.count(answered.work, outcome)
                self.write_slots.release()
                self.finished(answered.work.item.sha256)

    async def write(self, work: Work, pending: PendingWrite) -> None:
        try:
            outcome = await pending()
        except Exception as exc:
            self.failed_write(exc)
        else:
            self.count(work, outcome)
        finally:
            self.write_slots.release()
            self.finished(work.item.sha256)

    def count(self, work: Work, outcome: Outcome) -> None:
        summary = self.summary
        summary.count(outcome)
        if outcome.status != "ok":
            if self.observer.on_article_failed is not None:
                self.observer.on_article_failed(work.item.source, outcome.error or "failed")
            if outcome.fatal and summary.fatal is None:
                summary.fatal = outcome.error or "the backend cannot continue"
                self.stop()
        self.progress()

    def stop(self) -> None:
        """Dispatch nothing more and abandon requests in flight (committed work stays)."""
        if self.stopping:
            return
        self.stopping = True
        self.reader.stop()
        for task in list(self.requests):
            task.cancel()

    async def run(self) -> ExtractSummary:
        self.reader.start()
        workers = [asyncio.ensure_future(self.work()) for _ in range(self.concurrency)]
        producer = asyncio.ensure_future(self.produce())
        try:
            await producer
            for _ in workers:
                await self.queue.put(None)
            await asyncio.wait(workers)
            await self._drain_writes()
        except asyncio.CancelledError:
            # Ctrl-C (asyncio.run cancels us) or the caller's cancellation: stop cleanly.
            self.summary.interrupted = True
            await self._shutdown(producer, workers)
        except BaseException:
            await self._shutdown(producer, workers)
            raise
        finally:
            self.reader.stop()
            await self._release_leases()
        if self.error is not None:
            raise self.error
        return self.summary

    async def _shutdown(
        self, producer: asyncio.Task[None], workers: list[asyncio.Task[None]]
    ) -> None:
        self.stop()
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({producer})
        while not self.queue.empty():  # unfinished work is simply not dispatched
            dropped = self.queue.get_nowait()
            if dropped is not None:
                self.in_flight.discard(dropped.item.sha256)
        for worker in workers:
            if not worker.done():
                self.queue.put_nowait(None)
        pending = [w for w in workers if not w.done()]
        if pending:
            await asyncio.wait(pending)
        await self._drain_writes()

    async def _release_leases(self) -> None:
        """Give up the leases of articles this batch did not finish (the engine goes on;
        those it finished went with their commit). Best effort: leases expire anyway."""
        if self.claimed:
            try:
                await self.writer.release_keys(sorted(self.claimed))
            except Exception as exc:  # e.g. a broken writer: the batch's answer stands
                log.warning("could not release the batch's leases: %s", exc)

    async def _drain_writes(self) -> None:
        """Let every handed-over write finish: each commits whole or not at all; none is
        cancelled, so what was answered is stored even when the batch stops."""
        while self.writes:
            await asyncio.wait(set(self.writes))

"""The extraction engine: backend, client pool and writer, built once per process.

Every path that extracts feeds one `Engine`: `extract` (one run over its inputs), `watch`
(one run per poll), `serve` (posted articles, from a bounded queue), the queue `worker`
(one article per job), and `batches collect` (replies that arrive as files, stored
without a request: `store_replies`). Building it costs a backend, its HTTP client pool, the mode
store and the writer (a process or a thread, pipeline/writer.py); a caller that builds one
per article pays that, and on `serve` a writer process forked from the threaded server
deadlocked on a lock another thread held at the fork (docs/ARCHITECTURE.md, "One engine").

    engine = Engine.open(settings)
    try:
        summary = await engine.run(["articles/"])         # a batch, as `extract`
        summary = await engine.submit(article)             # one already-read article
        outcomes = await engine.store_replies(answered)    # replies that came as files
    finally:
        await engine.aclose()
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import Backend
from stancetrack.llm.context import BackendContext
from stancetrack.llm.retries import SharedPause
from stancetrack.pipeline.batch import Batch, read_ahead
from stancetrack.pipeline.messages import (
    Answered,
    Failure,
    Outcome,
    Provenance,
    StoreConfig,
    Work,
)
from stancetrack.pipeline.modes import BatchModeStore
from stancetrack.pipeline.reading import InputReader
from stancetrack.pipeline.summary import ExtractObserver, ExtractSummary
from stancetrack.pipeline.writer import Writer, process_by_default
from stancetrack.settings import Settings


class Engine:
    """One backend and one writer for a process's extractions; see the module doc.

    Runs may overlap (each has its own request slots); they share the backend's client
    pool and the single writer, so SQLite never sees two writers from one process.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        backend: Backend,
        writer: Writer,
        *,
        modes: BatchModeStore | None = None,
        owns_db: bool = False,
        owns_backend: bool = False,
        provenance: Provenance | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.backend = backend
        self.writer = writer
        self.provenance = provenance or Provenance.of(backend)
        self._modes = modes
        self._owns_db = owns_db
        self._owns_backend = owns_backend
        self._closed = False

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        database: Database | None = None,
        backend: Backend | None = None,
        pause: SharedPause | None = None,
        writer_process: bool | None = None,
        on_notice: Callable[[str], None] | None = None,
        provenance: Provenance | None = None,
    ) -> Engine:
        """Build the engine for `settings`: the configured backend (or `backend`), the
        database (or `database`), and its writer.

        `writer_process`: store in a separate process (default: yes, except for in-memory
        SQLite) or on a thread of this one (a threaded server: a fork there can inherit a
        lock held by another thread). `on_notice` hears the offline-fallback notice.
        `provenance`: what the runs record of the backend, when not the backend's own (a
        Batch API batch's, with its id: `batches collect`).
        """
        from stancetrack.llm.factory import backend_notice, make_backend

        # An unknown backend is refused before the database is opened (or created).
        notice = backend_notice(settings, settings.backend) if backend is None else None
        db = database or Database(settings.database_url)
        modes: BatchModeStore | None = None
        try:
            owns_backend = backend is None
            if backend is None:
                # What the backend learns about the endpoint is written by the engine's writer.
                modes = BatchModeStore(db)
                backend = make_backend(BackendContext(settings, mode_store=modes, pause=pause))
                if notice and on_notice is not None:
                    on_notice(notice)
            config = StoreConfig(
                database_url=db.url,
                target=settings.target,
                provenance=provenance or Provenance.of(backend),
            )
            process = process_by_default(db.url) if writer_process is None else writer_process
            writer = Writer(config, db, process=process)
        except BaseException:
            if database is None:
                db.dispose()
            raise
        if modes is not None:
            modes.attach(writer)
        return cls(
            settings,
            db,
            backend,
            writer,
            modes=modes,
            owns_db=database is None,
            owns_backend=owns_backend,
            provenance=config.provenance,
        )

    async def run(
        self,
        paths: Iterable[str] = (),
        *,
        inputs: Iterable[ArticleInput] = (),
        force: bool = False,
        since: datetime | None = None,
        observer: ExtractObserver | None = None,
        concurrency: int | None = None,
        run_params: Mapping[str, Any] | None = None,
    ) -> ExtractSummary:
        """Extract every article of `inputs` (already read) and `paths`: skip what is done,
        request, ground, store; the counts. Cancelling it stops cleanly: what was answered
        is stored, `summary.interrupted` is set.

        `force`: re-extract what was done before this run; `since`: before that moment (a
        queued `--force` job: the moment it was queued)."""
        limit = max(1, concurrency or self.settings.concurrency)
        items = tuple(paths)
        stdin = None
        if "-" in items:  # read up front: the reader thread must not hold the terminal
            stdin = sys.stdin.buffer.read(self.settings.max_file_bytes + 1)
        # One read-ahead's worth waits at most: memory stays bounded however large the inputs.
        reader = InputReader(
            items,
            max_bytes=self.settings.max_file_bytes,
            stdin=stdin,
            capacity=2 * read_ahead(limit),
            inputs=inputs,
            fetch_timeout=self.settings.fetch_timeout,
        )
        batch = Batch(
            reader,
            self.writer,
            self.backend,
            self.settings.target,
            limit,
            observer or ExtractObserver(),
            since=since or (utcnow() if force else None),
            run_params=run_params,
        )
        return await batch.run()

    async def submit(
        self,
        item: ArticleInput,
        *,
        force: bool = False,
        since: datetime | None = None,
        run_params: Mapping[str, Any] | None = None,
        observer: ExtractObserver | None = None,
    ) -> ExtractSummary:
        """One already-read article (a posted one, a job's): a run of one. `run_params`
        go on its run record (a queue job's id)."""
        return await self.run(
            inputs=[item],
            force=force,
            since=since,
            concurrency=1,
            run_params=run_params,
            observer=observer,
        )

    async def store_replies(self, answered: list[Answered]) -> list[Outcome]:
        """Replies that arrived without a request (a Batch API's result files): stored as a
        run stores its replies, in one transaction (one each if any fails), grounded before
        it. No skip check or lease: the caller knows these are wanted (its own items)."""
        return await self.writer.write_replies(answered) if answered else []

    async def store_failure(
        self, work: Work, started: datetime, elapsed_ms: float, failure: Failure
    ) -> Outcome:
        """A reply that arrived as a file but cannot be used (a refusal, an empty reply):
        a failed run, as a run records it."""
        return await self.writer.write_failure(work, started, elapsed_ms, failure)

    async def aclose(self) -> None:
        """Finish what was handed to the writer, stop it, close the backend's clients."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.writer.aclose()
        finally:
            if self._modes is not None:
                self._modes.attach(None)
            try:
                if self._owns_backend:
                    await self.backend.aclose()
            finally:
                if self._owns_db:
                    self.db.dispose()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        await self.aclose()

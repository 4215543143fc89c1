"""The one writer of a database during a batch: a typed seam to `Store` on one worker.

Every database call of `extract` runs on one worker, by default a separate process (so
SQLAlchemy, grounding and actor resolution use the second core instead of competing with the
HTTP client for the GIL; see BENCHMARKS.md), else a thread. SQLite never sees two writers:
the remembered structured-output mode is written here too (pipeline/modes.py), and reading
inputs, which may wait on a URL, happens in the main process (pipeline/reading.py).

The seam is typed: each operation is a method of `Writer`, which hands the `Store` method
itself, with arguments mypy checks against its signature, to the worker (see
docs/ARCHITECTURE.md, "One writer").
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Concatenate, ParamSpec, TypeVar

from stancetrack.db import Database
from stancetrack.pipeline.messages import Answered, Failure, Outcome, StoreConfig, Work
from stancetrack.pipeline.storing import Store

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("stancetrack.pipeline")

_PROCESS_STORE: Store | None = None


def _start_store(config: StoreConfig, inherited: Database | None) -> None:
    """Initializer of the database process: its own engine, deaf to Ctrl-C (the parent
    decides when to stop, and a write in progress must finish)."""
    global _PROCESS_STORE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    if inherited is not None:  # forked: leave the parent's pooled connections alone
        inherited.engine.dispose(close=False)
    _PROCESS_STORE = Store(config)


def _exit_with_parent() -> None:
    """End this process when the parent dies (kill -9): nothing else would tell it.

    An open transaction is then rolled back by the database: the article stays unfinished
    and the next batch requests it again.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="stancetrack-parent-watch", daemon=True).start()


def _in_process(
    operation: Callable[Concatenate[Store, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a Store operation on the database process's Store (pickled over as a reference)."""
    assert _PROCESS_STORE is not None
    return operation(_PROCESS_STORE, *args, **kwargs)


class Writer:
    """Runs `Store` operations one at a time, off the event loop; one per database.

    In a separate process by default; in a thread for in-memory SQLite (a child cannot see
    it) or when asked.
    """

    def __init__(self, config: StoreConfig, db: Database, *, process: bool) -> None:
        self.process = process
        self._store: Store | None = None
        self._pool: Executor
        self._background: set[asyncio.Task[None]] = set()
        if process:
            fork = sys.platform == "linux"
            context = multiprocessing.get_context("fork" if fork else "spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_start_store,
                initargs=(config, db if fork else None),
            )
            # Start the database process now, while this is the only thread: forked later
            # (at the first write, or at `aclose` after a Ctrl-C) it could copy a lock that
            # the input reader's thread holds mid-import or mid-download, and hang for good.
            self._pool.submit(os.getpid)
        else:
            self._store = Store(config, db)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancetrack-db")

    async def _run(
        self, operation: Callable[Concatenate[Store, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        loop = asyncio.get_running_loop()
        if self._store is not None:
            call = partial(operation, self._store, *args, **kwargs)
            return await loop.run_in_executor(self._pool, call)
        remote = partial(_in_process, operation, *args, **kwargs)
        return await loop.run_in_executor(self._pool, remote)

    # one method per operation

    async def claim_keys(
        self, keys: list[str], since: datetime | None
    ) -> tuple[set[str], set[str]]:
        return await self._run(Store.claim_keys, keys, since=since)

    async def release_keys(self, keys: list[str]) -> None:
        await self._run(Store.release_keys, keys)

    async def write_replies(self, answered: list[Answered]) -> list[Outcome]:
        return await self._run(Store.write_replies, answered)

    async def write_failure(
        self, work: Work, started: datetime, elapsed_ms: float, failure: Failure
    ) -> Outcome:
        return await self._run(Store.write_failure, work, started, elapsed_ms, failure)

    async def remember_mode(self, endpoint: str, model: str, mode: str) -> None:
        await self._run(Store.remember_mode, endpoint, model, mode)

    def remember_mode_soon(self, endpoint: str, model: str, mode: str) -> None:
        """`remember_mode` from synchronous code on the event loop (a ModeStore's `set`):
        queued behind the writes already handed over; `aclose` waits for it."""
        task = asyncio.ensure_future(self.remember_mode(endpoint, model, mode))
        self._background.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Only a hint for later runs: the batch goes on without it.
            log.warning("could not remember the output mode: %s", task.exception())

    async def aclose(self) -> None:
        """Finish what was handed over, then stop the worker."""
        try:
            while self._background:
                await asyncio.wait(set(self._background))
            try:  # best effort: leases not given up expire (db/repository/leases.py)
                await self._run(Store.release_leases)
            except Exception as exc:  # e.g. a broken worker process
                log.warning("could not release the batch's leases: %s", exc)
        finally:
            self._pool.shutdown(wait=True)


def process_by_default(url: str) -> bool:
    return not (url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:"))

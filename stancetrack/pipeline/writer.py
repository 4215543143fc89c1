"""Where the database side runs: one worker, by default in its own process.

One writer: every database call runs on one worker, by default a separate process (so
SQLAlchemy and grounding use the second core instead of competing with the HTTP client
for the GIL; see BENCHMARKS.md), else a thread. SQLite never sees two writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from stancetrack.db import Database
from stancetrack.ingest.fetch import cancelling
from stancetrack.pipeline.messages import StoreConfig
from stancetrack.pipeline.storing import Store

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
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="stancetrack-parent-watch", daemon=True).start()


def _call_store(method: str, *args: Any) -> Any:
    assert _PROCESS_STORE is not None
    return getattr(_PROCESS_STORE, method)(*args)


class DbSide:
    """Runs `Store` methods one at a time, off the event loop.

    In a separate process by default: reading, storing, grounding and actor resolution
    then use the second core instead of competing with the HTTP client for the GIL (see
    BENCHMARKS.md). In a thread for in-memory SQLite (a child cannot see it) or when asked.
    """

    def __init__(self, config: StoreConfig, db: Database, *, process: bool) -> None:
        self.process = process
        self.store: Store | None = None
        self.pool: Executor
        if process:
            fork = sys.platform == "linux"
            context = multiprocessing.get_context("fork" if fork else "spawn")
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_start_store,
                initargs=(config, db if fork else None),
            )
        else:
            self.store = Store(config, db)
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancetrack-db")

    async def call(self, method: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self.store is not None:
            return await loop.run_in_executor(self.pool, getattr(self.store, method), *args)
        return await loop.run_in_executor(self.pool, _call_store, method, *args)

    def close(self, *, abandon: bool = False) -> None:
        """Wait for the worker, or with `abandon` (Ctrl-C) end what it is doing now.

        Only ever abandoned once every write has finished: what remains is reading inputs,
        which is safe to cut (a download in a thread is cancelled, a process terminated).
        """
        if not abandon:
            with contextlib.suppress(RuntimeError):  # a broken pool: the leases expire
                if self.store is not None:
                    self.pool.submit(self.store.release_leases)
                else:
                    self.pool.submit(_call_store, "release_leases")
            self.pool.shutdown(wait=True)
            return
        if self.store is not None:
            with cancelling():  # the reading thread's download ends within its poll interval
                self.pool.shutdown(wait=True, cancel_futures=True)
            self.store.release_leases()
            return
        # A terminated process's leases are taken over at once by the next run on this
        # host (its pid is gone), elsewhere when they expire.
        # The executor's worker processes (no public accessor): terminate, then reap.
        workers = list(getattr(self.pool, "_processes", {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=5)


def process_by_default(url: str) -> bool:
    return not (url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:"))

"""Ctrl-C for a batch run from synchronous code: it cancels the batch (which commits what was
answered, pipeline/batch.py) and is never lost.

asyncio.run's own handler only cancels the main task; a cancellation that lands while the
batch is ending (or that an inner task absorbs) leaves no trace, and the command would exit
0 after a Ctrl-C. Here the signal is recorded, so the summary says `interrupted` whatever
the task did with the cancellation. A second Ctrl-C raises KeyboardInterrupt at once.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any

from stancetrack.pipeline.summary import ExtractSummary


def run_interruptible(work: Coroutine[Any, Any, ExtractSummary]) -> ExtractSummary:
    """`asyncio.run(work)`; a SIGINT during it cancels `work` and marks the summary
    interrupted. (Before it and after it, Python's own handler raises KeyboardInterrupt.)"""
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(work)
    return asyncio.run(_guarded(work))


async def _guarded(work: Coroutine[Any, Any, ExtractSummary]) -> ExtractSummary:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    interrupted = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        loop.call_soon_threadsafe(task.cancel)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = await task
    except asyncio.CancelledError:
        if not interrupted.is_set():
            raise
        summary = ExtractSummary()
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted.is_set():
        summary.interrupted = True
    return summary

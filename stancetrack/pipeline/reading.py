"""Inputs read on a thread of the main process, handed to the batch through a bounded queue.

Reading (files, directories, stdin, URLs) never runs on the database writer: a URL that
takes its time holds up only the articles after it, never the stores of those before it
(see docs/ARCHITECTURE.md, "One writer"). The thread reads at most `capacity` inputs ahead
of the batch, so memory does not grow with the corpus.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs

Input = ArticleInput | InputError

# How often a reader blocked on a full queue checks whether the batch has stopped.
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class _End:
    """No more inputs; `error` is set when reading failed with an unexpected exception."""

    error: BaseException | None = None


class InputReader:
    """Reads `paths` on a daemon thread; `next_chunk` hands what is ready to the event loop."""

    def __init__(
        self,
        paths: Iterable[str],
        *,
        max_bytes: int,
        stdin: bytes | None = None,
        capacity: int = 64,
        inputs: Iterable[ArticleInput] = (),
        fetch_timeout: float = 30.0,
    ) -> None:
        self._paths = tuple(paths)
        self._inputs = tuple(inputs)  # already read by the caller (`watch`): handed first
        self._fetch_timeout = fetch_timeout  # seconds per URL download, in total
        self._max_bytes = max_bytes
        self._stdin = stdin
        self._capacity = capacity
        self._stopped = threading.Event()
        self._queue: asyncio.Queue[Input | _End] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ended = False

    def start(self) -> None:
        """Start reading; call from the event loop that will call `next_chunk`."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(maxsize=self._capacity)
        threading.Thread(target=self._read, name="stancetrack-reader", daemon=True).start()

    def stop(self) -> None:
        """Read nothing more (a download in progress ends at once, unread)."""
        self._stopped.set()

    async def next_chunk(self, limit: int) -> list[Input]:
        """The next inputs: waits for one, then takes up to `limit` that are already read.

        An empty list means the inputs are exhausted.
        """
        assert self._queue is not None, "start() first"
        if self._ended:
            return []
        chunk: list[Input] = []
        item = await self._queue.get()
        while True:
            if isinstance(item, _End):
                self._ended = True
                if item.error is not None:
                    raise item.error
                return chunk
            chunk.append(item)
            if len(chunk) >= limit or self._queue.empty():
                return chunk
            item = self._queue.get_nowait()

    def _read(self) -> None:
        end = _End()
        try:
            stdin = io.BytesIO(self._stdin) if self._stdin is not None else None
            read = iter_inputs(
                self._paths,
                max_bytes=self._max_bytes,
                stdin=stdin,
                fetch_timeout=self._fetch_timeout,
                stop=self._stopped,
            )
            for item in itertools.chain(self._inputs, read):
                if self._stopped.is_set() or not self._put(item):
                    return
        except BaseException as exc:  # a reader bug: raised in the batch, not lost here
            end = _End(exc)
        self._put(end)

    def _put(self, item: Input | _End) -> bool:
        """Queue `item` for the loop, waiting for room; False once the batch is gone."""
        assert self._loop is not None and self._queue is not None
        try:
            future = asyncio.run_coroutine_threadsafe(self._queue.put(item), self._loop)
        except RuntimeError:  # the event loop is closed: nobody will read
            return False
        while True:
            try:
                future.result(timeout=_POLL_SECONDS)
                return True
            except concurrent.futures.TimeoutError:
                if self._stopped.is_set() or self._loop.is_closed():
                    future.cancel()
                    return False
            except concurrent.futures.CancelledError:
                return False

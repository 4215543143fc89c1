"""`watch --notify URL`: each new stance change POSTed as JSON to a webhook.

Deliveries run on a thread of their own, so a slow or failing receiver never holds up
polling or extraction; each change is retried with exponential backoff (1, 2, 4 s; four
tries), then reported as failed and dropped. At the end of `watch` what is queued gets a
bounded time to go out. The body is the change exactly as `changes -f json` prints it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import httpx

from stancetrack import __version__

TRIES = 4
FIRST_WAIT = 1.0
TIMEOUT = 10.0
USER_AGENT = f"stancetrack/{__version__} (stance change webhook)"


class Notifier:
    """POSTs queued JSON bodies to `url`, one at a time, on a daemon thread."""

    def __init__(
        self,
        url: str,
        *,
        on_error: Callable[[str], None] | None = None,
        first_wait: float = FIRST_WAIT,
    ) -> None:
        self.url = url
        self.on_error = on_error
        self.first_wait = first_wait
        self.delivered = 0
        self.failed = 0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stancetrack-notify", daemon=True)
        self._thread.start()

    def send(self, body: dict[str, Any]) -> None:
        """Queue one change for delivery (returns at once)."""
        self._queue.put(body)

    def close(self, timeout: float = 15.0) -> None:
        """Let what is queued go out for up to `timeout` seconds, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)
        self._stop.set()

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}) as client:
            while True:
                body = self._queue.get()
                if body is None:
                    return
                self._deliver(client, body)

    def _deliver(self, client: httpx.Client, body: dict[str, Any]) -> None:
        wait = self.first_wait
        problem = ""
        for attempt in range(1, TRIES + 1):
            try:
                reply = client.post(self.url, json=body)
                if reply.status_code < 300:
                    self.delivered += 1
                    return
                problem = f"HTTP {reply.status_code}"
                if 400 <= reply.status_code < 500 and reply.status_code not in (408, 429):
                    break  # the receiver refuses it: trying again will not help
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if attempt < TRIES and not self._stop.wait(wait):
                wait *= 2
                continue
            break
        self.failed += 1
        if self.on_error is not None:
            self.on_error(f"{self.url}: a stance change was not delivered ({problem})")

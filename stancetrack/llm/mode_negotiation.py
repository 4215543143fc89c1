"""Output-mode negotiation: which structured-output mode an endpoint and model accept.

The modes are tried from the most constrained down (llm/modes.py); a mode the server
refuses (HTTP 400/422, or a 5xx whose body names response_format/json_schema/grammar) falls
to the next, and the one that answered is kept in the ModeStore per (endpoint host, model).
The first request for an unknown endpoint probes alone, so a concurrent batch does not probe
N times. What a request is and how it fails otherwise is the caller's (llm/openai_backend.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import openai

from stancetrack.llm.modes import PLAIN, ModeStore, modes_from

log = logging.getLogger("stancetrack.llm")

_MODE_REJECTION_WORDS = ("response_format", "json_schema", "json_object", "grammar", "schema")


def rejects_mode(exc: openai.APIStatusError, mode: str) -> bool:
    """Did the server refuse this structured-output mode (rather than fail otherwise)?"""
    if mode == PLAIN:
        return False
    if exc.status_code in (400, 422):
        return True
    if exc.status_code >= 500:
        text = f"{exc.message} {json.dumps(exc.body, default=str)}".lower()
        return any(word in text for word in _MODE_REJECTION_WORDS)
    return False


class ModeNegotiation:
    """The mode for one endpoint host and model: remembered, probed alone, learned."""

    def __init__(self, store: ModeStore, host: str, model: str) -> None:
        self._store = store
        self._host = host
        self._model = model
        self._mode: str | None = None
        self._probe_lock = asyncio.Lock()

    def known(self) -> str | None:
        """The mode known to work (read from the store once), or None before a probe."""
        if self._mode is None:
            self._mode = self._store.get(self._host, self._model)
        return self._mode

    async def complete(
        self,
        send: Callable[[str], Awaitable[bytes]],
        *,
        retry_same: Callable[[openai.APIStatusError], bool],
    ) -> tuple[bytes, str]:
        """`send(mode)` in the known mode, or down the modes until one is accepted.

        `retry_same(exc)` says a refusal is fixed by sending the same mode again (the caller
        changed its request); any other error is raised as it came.
        """
        known = self.known()
        if known is None:
            # Probe alone: concurrent requests wait here and then use what the probe learned.
            async with self._probe_lock:
                known = self.known()
                if known is None:
                    return await self._negotiate(send, retry_same, None)
        return await self._negotiate(send, retry_same, known)

    async def _negotiate(
        self,
        send: Callable[[str], Awaitable[bytes]],
        retry_same: Callable[[openai.APIStatusError], bool],
        start: str | None,
    ) -> tuple[bytes, str]:
        modes = modes_from(start)
        index = 0
        while index < len(modes):
            mode = modes[index]
            try:
                completion = await send(mode)
            except openai.APIStatusError as exc:
                if retry_same(exc):
                    continue
                if index + 1 < len(modes) and rejects_mode(exc, mode):
                    log.info(
                        "%s rejected output mode %s (HTTP %d); trying %s",
                        self._host,
                        mode,
                        exc.status_code,
                        modes[index + 1],
                    )
                    index += 1
                    continue
                raise
            if mode != self._mode:
                self._mode = mode
                self._store.set(self._host, self._model, mode)
            return completion, mode
        raise AssertionError("unreachable: the last mode either returns or raises")

"""The one retry layer for LLM requests (the SDK's own retries are switched off).

Retried: rate limits (429), server errors (5xx), 408/409, timeouts and dropped or refused
connections, with exponential backoff plus jitter, a bounded number of attempts and a cap
on every wait. A ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms`` header on the
error response replaces the computed backoff (capped the same way). Not retried: 400, 401,
403, 404, 422, and a 429 that says the account is out of quota (waiting cannot fix those).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Protocol

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger("stancetrack.llm")

RETRYABLE_STATUS = frozenset({408, 409, 429})


class SharedPause(Protocol):
    """A back-off shared by every process using one endpoint (workers on several machines):
    after a 429 each of them holds its requests until the pause is over, instead of every
    worker meeting the limit on its own (the scale-out package keeps it in the database)."""

    async def wait(self) -> None:
        """Return once no pause is in force."""

    async def hold(self, seconds: float) -> None:
        """Pause everyone's requests for `seconds` from now (never shortening a pause)."""


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The server's requested wait, from retry-after-ms or Retry-After (seconds or date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def out_of_quota(exc: openai.APIStatusError) -> bool:
    """OpenAI answers 429 `insufficient_quota` when billing, not load, is the problem."""
    return exc.status_code == 429 and "insufficient_quota" in f"{exc.code} {exc.type} {exc.message}"


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if out_of_quota(exc):
            return False
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


class RetryPolicy:
    """Backoff parameters; tests shrink them to keep fault scenarios fast."""

    def __init__(self, *, max_retries: int, initial: float = 0.5, max_wait: float = 30.0) -> None:
        self.max_retries = max_retries
        self.initial = initial
        self.max_wait = max_wait
        self._backoff = wait_exponential_jitter(multiplier=initial, max=max_wait, jitter=initial)

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, openai.APIStatusError):
            hinted = retry_after_seconds(exc.response.headers)
            if hinted is not None:
                return min(hinted, self.max_wait)
        return float(self._backoff(state))

    def retrying(self, should_retry: Callable[[BaseException], bool], where: str) -> AsyncRetrying:
        def note(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.info(
                "%s: %s; retry %d of %d in %.2fs",
                where,
                describe(exc),
                state.attempt_number,
                self.max_retries,
                wait,
            )

        return AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self.wait,
            retry=retry_if_exception(should_retry),
            before_sleep=note,
            reraise=True,
        )


def describe(exc: BaseException | None) -> str:
    """A short name for a failure, safe to log (no request headers, no key)."""
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        return f"connection failed ({type(cause).__name__})" if cause else "connection failed"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    return type(exc).__name__ if exc is not None else "unknown error"

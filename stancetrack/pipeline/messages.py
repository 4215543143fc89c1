"""Plain, picklable data passed between the batch and its database side.

The database side may be another process: everything crossing over is a small frozen
record, never a live backend, session or exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import (
    Backend,
    BackendReply,
    ExtractionError,
    PromptInfo,
    RecordsParams,
)


@dataclass(slots=True)
class Work:
    item: ArticleInput
    cache_key: str
    # Added to this article's run record (a queue job's id and worker); None: nothing.
    run_params: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """A reply to store, with when its request started and how long it took."""

    work: Work
    reply: BackendReply
    started: datetime
    elapsed_ms: float


@dataclass(slots=True)
class Skip:
    sha256: str


@dataclass(slots=True)
class Outcome:
    status: str  # ok | failed | skipped (write_reply(once=True) found it done)
    claims: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class BadInput:
    """An unreadable input, as plain data (InputError does not survive pickling)."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Failure:
    """An ExtractionError's fields, as plain data for the database process."""

    message: str
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_raw: str | None = None
    output_mode: str | None = None
    fatal: bool = False

    @classmethod
    def of(cls, exc: ExtractionError) -> Failure:
        return cls(
            str(exc) or type(exc).__name__,
            exc.attempts,
            exc.prompt_tokens,
            exc.completion_tokens,
            exc.last_raw,
            exc.output_mode,
            exc.fatal,
        )


@dataclass(frozen=True, slots=True)
class Provenance:
    """What every run records about the backend (a picklable snapshot of it)."""

    name: str
    model: str
    endpoint_host: str | None
    prompt: PromptInfo
    temperature: float | None
    max_tokens: int | None
    params: dict[str, Any]

    @classmethod
    def of(cls, backend: Backend) -> Provenance:
        return cls(
            backend.name,
            backend.model,
            backend.endpoint_host,
            backend.prompt,
            backend.temperature,
            backend.max_tokens,
            dict(backend.params) if isinstance(backend, RecordsParams) else {},
        )


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Everything the database side of an engine needs; sent once to its process. What
    differs per batch (`--force`'s start) goes with each call instead."""

    database_url: str
    target: str
    provenance: Provenance

"""What every extraction backend provides, LLM or offline rules.

A backend turns one article's text into schema-v1 claims plus the provenance of how it got
them. It never writes to the database and never computes offsets: grounding does that, in
code, for every backend alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

from stancetrack.schemas import ReplyClaim


@dataclass(frozen=True, slots=True)
class PromptInfo:
    """Identity of the instructions a backend used; its sha256 goes on every run."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class ExtractionRequest:
    title: str
    text: str
    target: str
    published: date | None = None
    source: str = ""


@dataclass(slots=True)
class BackendReply:
    """Claims as returned (ungrounded) and everything the run record needs."""

    claims: list[ReplyClaim]
    raw_reply: str
    output_mode: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    latency_ms: float = 0.0
    chunks: int = 1
    # Items the model sent that failed validation on their own (kept for the run record).
    invalid_items: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    # Per-claim character window [start, end) of the chunk it came from, if chunked.
    windows: list[tuple[int, int] | None] = field(default_factory=list)
    # Re-asks after invalid or cut-off replies (already counted in attempts and tokens).
    reasks: int = 0
    # The final reply was still cut off at max_tokens: claims are the complete ones salvaged.
    truncated: bool = False


class ExtractionError(Exception):
    """A backend gave up on one article: carries what it spent and saw, for the run record."""

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        last_raw: str | None = None,
        output_mode: str | None = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.last_raw = last_raw
        self.output_mode = output_mode
        # fatal: no later article can succeed either (bad key, unknown model): stop the batch.
        self.fatal = fatal


@runtime_checkable
class Backend(Protocol):
    name: str
    model: str
    endpoint_host: str | None
    prompt: PromptInfo
    temperature: float | None
    max_tokens: int | None

    async def extract(self, request: ExtractionRequest) -> BackendReply: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class RecordsParams(Protocol):
    """A backend with parameters of its own to keep on every run record (optional)."""

    params: Mapping[str, object]

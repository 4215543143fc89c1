"""The Batch API's JSONL files: request files written to disk, result lines parsed.

A request file is split when the next article would pass the provider's limits on requests
or bytes per file (OpenAI: 50,000 requests, 200 MB); an article's requests (one per chunk)
never straddle two files. `custom_id` is the article's cache key, suffixed `:N` for chunk N of
a chunked article, so a result maps back to its article without any other state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

CHAT_URL = "/v1/chat/completions"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits; the defaults stay just under OpenAI's (50,000 requests, 200 MB)."""

    max_requests: int = 50_000
    max_bytes: int = 190_000_000


def custom_id(cache_key: str, index: int, parts: int) -> str:
    return cache_key if parts == 1 else f"{cache_key}:{index}"


def split_custom_id(value: str) -> tuple[str, int]:
    key, _, index = value.partition(":")
    return key, int(index) if index.isdigit() else 0


def request_lines(cache_key: str, bodies: list[dict[str, Any]]) -> list[bytes]:
    """One JSONL line per request body of an article."""
    return [
        json.dumps(
            {
                "custom_id": custom_id(cache_key, index, len(bodies)),
                "method": "POST",
                "url": CHAT_URL,
                "body": body,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        + b"\n"
        for index, body in enumerate(bodies)
    ]


class RequestFile:
    """One request file being written to a temporary file, and the articles in it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        handle, self.path = tempfile.mkstemp(prefix="stancetrack-batch-", suffix=".jsonl")
        self._out = os.fdopen(handle, "wb")
        self.requests = 0
        self.size = 0
        self.items: list[tuple[int, str, int]] = []  # article id, cache key, parts

    def fits(self, lines: list[bytes]) -> bool:
        return (
            self.requests + len(lines) <= self.limits.max_requests
            and self.size + sum(map(len, lines)) <= self.limits.max_bytes
        )

    def add(self, article_id: int, cache_key: str, lines: list[bytes]) -> None:
        self._out.writelines(lines)
        self.requests += len(lines)
        self.size += sum(map(len, lines))
        self.items.append((article_id, cache_key, len(lines)))

    def close(self) -> None:
        self._out.close()

    def discard(self) -> None:
        self._out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


@dataclass(frozen=True, slots=True)
class Result:
    """One line of an output or error file."""

    custom_id: str
    status: int | None  # the request's HTTP status; None when the provider gave none
    body: dict[str, Any] | None  # the completion (or error body) as answered
    error: str | None  # the provider's reason when the request got no completion


def parse_result(line: bytes) -> Result | str:
    """A result line, or why it cannot be read (a malformed line never stops a collect)."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        return f"not JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("custom_id"), str):
        return "no custom_id"
    response = data.get("response")
    status: int | None = None
    body: dict[str, Any] | None = None
    if isinstance(response, dict):
        code = response.get("status_code")
        status = code if isinstance(code, int) else None
        raw = response.get("body")
        body = raw if isinstance(raw, dict) else None
    error = data.get("error")
    reason: str | None = None
    if isinstance(error, dict):
        reason = f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip(": ")
    elif status != 200:
        detail = body.get("error") if body else None
        message = detail.get("message") if isinstance(detail, dict) else None
        reason = f"HTTP {status}: {message or 'no message'}"
    return Result(data["custom_id"], status, body, reason)

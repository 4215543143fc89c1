"""Fetch an article from an http(s) URL: size-capped, with a total deadline, no extra
dependency.

The deadline covers the whole download (connecting, headers, body): a server that trickles
one byte every few seconds never trips a per-read timeout, so the download runs on a
daemon thread that is abandoned (and told to stop) when the deadline passes.

The response's media type picks the reader (HTML, JSON, JSON Lines, Markdown, plain text);
a declared charset other than UTF-8 is decoded here so readers always see UTF-8.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from stancetrack import __version__
from stancetrack.errors import InputError
from stancetrack.ingest.limits import too_big

_URL = re.compile(r"^https?://", re.IGNORECASE)

# Media type -> the suffix whose reader handles it; None means sniff the content.
MEDIA_SUFFIX: dict[str, str | None] = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "text/markdown": ".md",
    "text/plain": None,
}


def is_url(value: str) -> bool:
    return bool(_URL.match(value))


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    data: bytes  # UTF-8
    suffix: str | None


_POLL_SECONDS = 0.05
_CHUNK = 65536


def fetch_url(url: str, *, max_bytes: int, timeout: float) -> Fetched:
    """GET `url` within `timeout` seconds in total; raise `InputError` naming the URL for
    any failure, the deadline included."""
    outcome: list[Fetched | InputError] = []
    stop = threading.Event()

    def download() -> None:
        try:
            outcome.append(_fetch(url, max_bytes=max_bytes, timeout=timeout, stop=stop))
        except InputError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=download, name="stancetrack-fetch", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while worker.is_alive():
        left = deadline - time.monotonic()
        if left <= 0:
            stop.set()  # the thread ends at its next read; nobody waits for it
            raise InputError(url, f"timed out after {timeout:g}s (the whole download)")
        worker.join(min(left, _POLL_SECONDS))
    found = outcome[0]
    if isinstance(found, InputError):
        raise found
    return found


def _fetch(url: str, *, max_bytes: int, timeout: float, stop: threading.Event) -> Fetched:
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"stancetrack/{__version__}",
            "Accept": "text/html, application/json, text/plain;q=0.9, */*;q=0.1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, too_big(max_bytes, int(declared)))
            data = _read_body(response, max_bytes + 1, stop)
            media = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        raise InputError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise InputError(url, f"timed out after {timeout:g}s") from None
        raise InputError(url, f"cannot fetch ({_reason(exc.reason)})") from None
    except TimeoutError:
        raise InputError(url, f"timed out after {timeout:g}s") from None
    except (ValueError, OSError) as exc:
        raise InputError(url, f"cannot fetch ({_reason(exc)})") from None
    if len(data) > max_bytes:
        raise InputError(url, too_big(max_bytes))
    if media not in MEDIA_SUFFIX:
        raise InputError(url, f"unsupported content type {media}")
    return Fetched(url=final_url, data=to_utf8(url, data, charset), suffix=MEDIA_SUFFIX[media])


def _read_body(response: Any, limit: int, stop: threading.Event) -> bytes:
    """Up to `limit` bytes, a read at a time, until the end or until told to stop."""
    parts: list[bytes] = []
    size = 0
    while size < limit and not stop.is_set():
        chunk = response.read1(min(_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if stop.is_set():
        raise InputError(response.geturl(), "download stopped")
    return b"".join(parts)


def to_utf8(url: str, data: bytes, charset: str | None) -> bytes:
    if charset is None or charset.lower().replace("_", "-") in {"utf-8", "utf8"}:
        return data
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise InputError(url, f"cannot decode as declared charset {charset!r} ({exc})") from None


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__

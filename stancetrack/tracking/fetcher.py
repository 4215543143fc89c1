"""Polite HTTP GETs for `watch`: conditional, size-capped, with a total deadline, a
User-Agent naming the tool, and at most `per_host` requests at a time to one host.

Blocking (urllib, as ingest/fetch.py), run on a thread pool by the poller: a feed poll is a
few hundred small GETs, which threads handle without an event loop of their own.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from stancetrack import __version__
from stancetrack.ingest.limits import too_big

USER_AGENT = f"stancetrack/{__version__} (news stance tracker; polite polling)"
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A GET that failed; `transient` ones (timeouts, 5xx, refused) are worth retrying."""

    def __init__(self, url: str, reason: str, *, transient: bool) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET with nothing new
    data: bytes
    media: str  # e.g. text/html
    charset: str | None
    etag: str | None
    last_modified: str | None


class Fetcher:
    """GETs bounded in size and time, at most `per_host` at once per host (thread-safe)."""

    def __init__(
        self, *, max_bytes: int, timeout: float, deadline: float, per_host: int = 2
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = deadline
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self.per_host)
        )

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            return self._hosts[host]

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    ) -> Response:
        headers = {"User-Agent": USER_AGENT, "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(url, headers=headers)
        with self._slot(url):
            return self._get(request, url)

    def _get(self, request: urllib.request.Request, url: str) -> Response:
        ends = time.monotonic() + self.deadline
        try:
            with urllib.request.urlopen(request, timeout=min(self.timeout, self.deadline)) as r:
                declared = r.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(url, too_big(self.max_bytes, int(declared)), transient=False)
                data = self._read(r, url, ends)
                return _response(r.geturl(), r.status, data, r.headers)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return _response(url, 304, b"", exc.headers)
            raise FetchError(
                url, f"HTTP {exc.code} {exc.reason}", transient=exc.code >= 500 or exc.code == 429
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise FetchError(
                    url, f"timed out after {self.timeout:g}s", transient=True
                ) from None
            raise FetchError(url, f"cannot fetch ({_reason(reason)})", transient=True) from None
        except TimeoutError:
            raise FetchError(url, f"timed out after {self.timeout:g}s", transient=True) from None
        except (ValueError, OSError) as exc:
            raise FetchError(url, f"cannot fetch ({_reason(exc)})", transient=True) from None

    def _read(self, response: object, url: str, ends: float) -> bytes:
        """The body, at most max_bytes, read in chunks so the total deadline holds even
        when a server trickles bytes just under the per-read timeout."""
        read = response.read  # type: ignore[attr-defined]
        parts: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > ends:
                raise FetchError(
                    url, f"download took longer than {self.deadline:g}s", transient=True
                )
            chunk = read(min(_CHUNK, self.max_bytes + 1 - size))
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, too_big(self.max_bytes), transient=False)


def _response(url: str, status: int, data: bytes, headers: Message) -> Response:
    return Response(
        url=url,
        status=status,
        data=data,
        media=headers.get_content_type(),
        charset=headers.get_content_charset(),
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
    )


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__

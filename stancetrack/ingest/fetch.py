"""Every HTTP GET stancetrack makes (`extract URL`, `watch`'s feeds and pages), in one place.

- http(s) only, checked before the request and again after every redirect: a hostile feed
  cannot make us read `file:`, `data:` or `ftp:` URLs; control characters (a newline, ESC)
  are refused, never silently dropped (`url_problem`);
- a total deadline over the whole exchange (connect, headers, every redirect, body) that
  holds whatever the sender does, plus a per-read timeout;
- cancellable: a `stop` event (Ctrl-C, SIGTERM) ends a download within `STOP_POLL` seconds
  and closes its connection;
- size-capped (declared Content-Length and bytes read), conditional (ETag,
  Last-Modified -> 304), at most `per_host` GETs at once per host, a User-Agent naming us.

Each GET runs httpx's async client on a small event loop of the calling thread, so the
deadline and the stop event are a cancellation of that loop's task, not a check between
blocking reads (a reader thread or `watch`'s thread pool calls it).

The response's media type picks the reader (`MEDIA_SUFFIX`); a declared charset other than
UTF-8 is decoded here (`to_utf8`) so readers always see UTF-8.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin, urlsplit

from stancetrack.errors import InputError
from stancetrack.ingest.limits import too_big
from stancetrack.ingest.normalize import CONTROLS_AND_NEWLINES
from stancetrack.version import __version__

if TYPE_CHECKING:
    import httpx  # imported on first GET: start-up (`--help`) does not pay for it

USER_AGENT = f"stancetrack/{__version__} (news stance tracker; polite polling)"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, application/json;q=0.9, */*;q=0.1"
SCHEMES = ("http", "https")
MAX_REDIRECTS = 10
STOP_POLL = 0.1  # seconds between looks at the stop event during a download

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

_T = TypeVar("_T")


def is_url(value: str) -> bool:
    """Whether a command-line input means a URL (then `url_problem` decides if it is fetched)."""
    return value.lower().startswith(("http://", "https://"))


def url_problem(url: str) -> str | None:
    """Why `url` must not be fetched, or None: the one rule for inputs, feeds, feed items
    and redirect targets."""
    found = CONTROLS_AND_NEWLINES.search(url)
    if found:
        return f"the URL contains the control character U+{ord(found.group()):04X}"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in SCHEMES:
        return f"not an http(s) URL (scheme {parts.scheme + ':' if parts.scheme else 'none'})"
    if not host:
        return "the URL names no host"
    return None


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
    """GETs bounded in size and time, at most `per_host` at once per host (thread-safe).

    `timeout`: seconds any one network step (connect, a read) may take; `deadline`: seconds
    the whole GET may take; `stop`: when set, downloads in progress end at once.
    """

    def __init__(
        self,
        *,
        max_bytes: int,
        timeout: float,
        deadline: float,
        per_host: int = 2,
        stop: threading.Event | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = deadline
        self.per_host = max(1, per_host)
        self.stop = stop or threading.Event()
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
        accept: str = PAGE_ACCEPT,
    ) -> Response:
        """The response to GET `url`; raise `FetchError` naming the URL for any failure."""
        problem = url_problem(url)
        if problem:
            raise FetchError(url, problem, transient=False)
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        slot = self._slot(url)
        while not slot.acquire(timeout=STOP_POLL):
            self._check_stop(url)
        try:
            self._check_stop(url)
            return _run(self._bounded(url, headers))
        finally:
            slot.release()

    def _check_stop(self, url: str) -> None:
        if self.stop.is_set():
            raise FetchError(url, "stopped", transient=True)

    async def _bounded(self, url: str, headers: dict[str, str]) -> Response:
        """`_exchange` ended by the deadline or the stop event, whichever comes first."""
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.deadline
        task = asyncio.ensure_future(self._exchange(url, headers))
        try:
            while not task.done():
                left = ends - loop.time()
                if self.stop.is_set() or left <= 0:
                    task.cancel()
                    await asyncio.wait({task})
                    self._check_stop(url)
                    raise FetchError(
                        url, f"timed out after {self.deadline:g}s (the whole download)",
                        transient=True,
                    )  # fmt: skip
                await asyncio.wait({task}, timeout=min(left, STOP_POLL))
        finally:
            if not task.done():
                task.cancel()
        return task.result()

    async def _exchange(self, url: str, headers: dict[str, str]) -> Response:
        import httpx

        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout), follow_redirects=False
            ) as client:
                return await self._follow(client, url, headers)
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {self.timeout:g}s", transient=True) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise FetchError(url, f"cannot fetch ({_reason(exc)})", transient=False) from None
        except (httpx.HTTPError, OSError, ValueError) as exc:
            raise FetchError(url, f"cannot fetch ({_reason(exc)})", transient=True) from None

    async def _follow(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str]
    ) -> Response:
        """GET `url`, following at most MAX_REDIRECTS redirects, each to http(s) only."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            async with client.stream("GET", current, headers=headers) as r:
                location = r.headers.get("Location")
                if r.status_code in (301, 302, 303, 307, 308) and location:
                    target = urljoin(current, location)
                    problem = url_problem(target)
                    if problem:
                        reason = f"refused a redirect to {target!r}: {problem}"
                        raise FetchError(url, reason, transient=False)
                    current = target
                    continue
                if r.status_code == 304:
                    return _response(current, 304, b"", r.headers)
                if not 200 <= r.status_code < 300:
                    code = r.status_code
                    reason = f"HTTP {code} {r.reason_phrase}".rstrip()
                    raise FetchError(url, reason, transient=code >= 500 or code == 429)
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(url, too_big(self.max_bytes, int(declared)), transient=False)
                data = await self._body(r, url)
                return _response(current, r.status_code, data, r.headers)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", transient=False)

    async def _body(self, r: httpx.Response, url: str) -> bytes:
        """The body, at most max_bytes (counted as decoded, so a compressed bomb stops too)."""
        parts: list[bytes] = []
        size = 0
        async for chunk in r.aiter_bytes():
            parts.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, too_big(self.max_bytes), transient=False)
        return b"".join(parts)


def _run(work: Coroutine[object, object, _T]) -> _T:
    """Run `work` on an event loop of its own (a thread of its own inside a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1, thread_name_prefix="stancetrack-fetch") as pool:
        return pool.submit(asyncio.run, work).result()


def _response(url: str, status: int, data: bytes, headers: httpx.Headers) -> Response:
    parsed = Message()
    if "Content-Type" in headers:
        parsed["Content-Type"] = headers["Content-Type"]
    return Response(
        url=url,
        status=status,
        data=data,
        media=parsed.get_content_type(),
        charset=parsed.get_content_charset(),
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- `extract URL` ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    data: bytes  # UTF-8
    suffix: str | None


def fetch_url(
    url: str, *, max_bytes: int, timeout: float, stop: threading.Event | None = None
) -> Fetched:
    """GET one article within `timeout` seconds in total; raise `InputError` naming the URL
    for any failure, the deadline included."""
    fetcher = Fetcher(max_bytes=max_bytes, timeout=timeout, deadline=timeout, stop=stop)
    try:
        response = fetcher.get(url)
    except FetchError as exc:
        raise InputError(url, exc.reason) from None
    return Fetched(url=response.url, data=page_bytes(url, response), suffix=page_suffix(response))


def page_suffix(response: Response) -> str | None:
    return MEDIA_SUFFIX.get(response.media)


def page_bytes(url: str, response: Response) -> bytes:
    """The page as UTF-8; `InputError` for a media type no reader handles or a bad charset."""
    if response.media not in MEDIA_SUFFIX:
        raise InputError(url, f"unsupported content type {response.media}")
    return to_utf8(url, response.data, response.charset)


def to_utf8(url: str, data: bytes, charset: str | None) -> bytes:
    if charset is None or charset.lower().replace("_", "-") in {"utf-8", "utf8"}:
        return data
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise InputError(url, f"cannot decode as declared charset {charset!r} ({exc})") from None

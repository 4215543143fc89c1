"""A scriptable news site on 127.0.0.1: RSS and Atom feeds and article pages, for `watch`.

Usage::

    with FeedServer() as site:
        site.page("/a/1", html_page("Title", paragraphs, canonical="https://x.example.com/1"))
        site.feed("/rss", rss_feed(site, [Item("g1", "/a/1", "Title")]))   # ETag + 304
        url = site.url("/rss")
        ...
        site.hits("/a/1")               # how many GETs that path got

Routes answer what they were given last (change them between polls). A route may be a
`Page` (body, content type, optional delay, status) or `Fail(status)`; feeds get an ETag
from their content and answer a matching If-None-Match with 304. Every request is logged
(path, headers) in `site.requests`.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering (a slow host)
    status: int = 200
    etag: bool = False  # answer If-None-Match with 304 (feeds)
    trickle: float = 0.0  # seconds between 1 KB chunks of the body (a slow download)


@dataclass(frozen=True)
class Item:
    guid: str
    path: str
    title: str
    summary: str = ""


def html_page(
    title: str,
    paragraphs: list[str],
    *,
    canonical: str | None = None,
    published: str | None = None,
) -> bytes:
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    if published:
        link += f'<meta property="article:published_time" content="{html.escape(published)}">'
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>{link}</head>"
        f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        f"<footer>Copyright the site. All rights reserved.</footer></body></html>"
    ).encode()


def rss_feed(base: str, items: list[Item]) -> bytes:
    entries = "".join(
        f"<item><guid isPermaLink='false'>{html.escape(i.guid)}</guid>"
        f"<title>{html.escape(i.title)}</title><link>{html.escape(base + i.path)}</link>"
        f"<description>{html.escape(i.summary)}</description></item>"
        for i in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Test feed</title><link>{base}/</link><description>d</description>"
        f"{entries}</channel></rss>"
    ).encode()


def atom_feed(base: str, items: list[Item]) -> bytes:
    entries = "".join(
        f"<entry><id>{html.escape(i.guid)}</id><title>{html.escape(i.title)}</title>"
        f"<link href='{html.escape(base + i.path)}'/><updated>2024-03-07T10:00:00Z</updated>"
        f"<summary>{html.escape(i.summary)}</summary></entry>"
        for i in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Test atom</title><id>{base}/atom</id><updated>2024-03-07T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with server._lock:
                    server.requests.append((path, dict(self.headers.items())))
                    page = server.routes.get(path)
                if page is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if page.delay:
                    time.sleep(page.delay)
                if page.status != 200:
                    self._send(page.status, b"error", "text/plain")
                    return
                headers: dict[str, str] = {}
                if page.etag:
                    tag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                    headers["ETag"] = tag
                    headers["Last-Modified"] = formatdate(0, usegmt=True)
                    if self.headers.get("If-None-Match") == tag:
                        self._send(304, b"", None, headers)
                        return
                self._send(200, page.body, page.content_type, headers, page.trickle)

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str | None,
                headers: dict[str, str] | None = None,
                trickle: float = 0.0,
            ) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body) if status != 304 else 0))
                    self.end_headers()
                    if status == 304:
                        return
                    if not trickle:
                        self.wfile.write(body)
                        return
                    for start in range(0, len(body), 1024):
                        self.wfile.write(body[start : start + 1024])
                        self.wfile.flush()
                        time.sleep(trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, page: Page) -> None:
        with self._lock:
            self.routes[path] = page

    def feed(self, path: str, body: bytes, **kw: Any) -> None:
        kw.setdefault("content_type", "application/rss+xml; charset=utf-8")
        self.set(path, Page(body, etag=True, **kw))

    def page(self, path: str, body: bytes, **kw: Any) -> None:
        self.set(path, Page(body, **kw))

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p == path)

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(p for p, _ in self.requests)


def serve_forever(setup: Any) -> None:  # pragma: no cover - used by subprocess tests
    with FeedServer() as site:
        setup(site)
        print(site.base, flush=True)
        threading.Event().wait()

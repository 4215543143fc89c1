"""http(s) URLs as inputs, fetched from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from stancetrack.db import Database
from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs, normalize_text
from stancetrack.pipeline import ingest
from stancetrack.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
FORMATS = REPO / "fixtures" / "formats"
SEED = REPO / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"

# path -> (status, content type, body, extra headers)
Route = tuple[int, str, bytes, dict[str, str]]


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}  # noqa: RUF012  (set per server below)

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1)
        status, ctype, body, headers = self.routes.get(
            self.path, (404, "text/plain", b"not found", {})
        )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        length = headers.get("Content-Length", str(len(body)))
        if length:  # "" sends none: the body then ends when the connection closes
            self.send_header("Content-Length", length)
        for key, value in headers.items():
            if key == "Content-Length":
                continue
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may hang up (timeouts, size cap)
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    html = (FORMATS / "vilnius_summit.html").read_bytes()
    handler = type(
        "Handler",
        (_Handler,),
        {
            "routes": {
                "/article.html": (200, "text/html; charset=utf-8", html, {}),
                "/feed.json": (
                    200,
                    "application/json",
                    (FORMATS / "finland_application.json").read_bytes(),
                    {},
                ),
                "/seed": (200, "text/plain", SEED.read_bytes(), {}),
                "/latin1.txt": (
                    200,
                    "text/plain; charset=iso-8859-1",
                    "Café talks\nThe ministers met in a café.".encode("latin-1"),
                    {},
                ),
                "/moved": (301, "text/plain", b"", {"Location": "/article.html"}),
                "/big": (200, "text/plain", b"Big\n" + b"x" * 5000, {}),
                "/big-unannounced": (
                    200,
                    "text/plain",
                    b"Big\n" + b"x" * 5000,
                    {"Content-Length": ""},
                ),
                "/image.png": (200, "image/png", b"\x89PNG\r\n", {}),
                "/slow": (200, "text/plain", b"Late\ntext", {}),
            }
        },
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # do not wait for the /slow handler at teardown
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str, max_bytes: int = 1_000_000, timeout: float = 5.0) -> list[object]:
    return list(iter_inputs([url], max_bytes=max_bytes, fetch_timeout=timeout))


def test_html_page_by_url(server: str) -> None:
    [article] = fetch(f"{server}/article.html")
    assert isinstance(article, ArticleInput)
    assert article.format == "html"
    assert article.source == f"{server}/article.html"
    assert article.url == f"{server}/article.html"  # the page has no canonical link
    assert "Vilnius" in article.title
    assert "Stoltenberg" in article.text


def test_redirect_records_the_final_url(server: str) -> None:
    [article] = fetch(f"{server}/moved")
    assert isinstance(article, ArticleInput)
    assert article.source == f"{server}/moved"
    assert article.url == f"{server}/article.html"


def test_json_and_seed_by_url_keep_their_own_metadata(server: str) -> None:
    [record] = fetch(f"{server}/feed.json")
    [seed] = fetch(f"{server}/seed")
    assert isinstance(record, ArticleInput) and isinstance(seed, ArticleInput)
    assert record.format == "json" and record.url and "example.com" in record.url
    assert seed.format == "seed" and seed.url and seed.url.startswith("https://www.cbsnews.com/")


def test_declared_charset_is_decoded(server: str) -> None:
    [article] = fetch(f"{server}/latin1.txt")
    assert isinstance(article, ArticleInput)
    assert article.text == normalize_text("Café talks\nThe ministers met in a café.")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404"),
        ("/big", "over the limit of 1000"),
        ("/big-unannounced", "over the limit of 1000"),
        ("/image.png", "unsupported content type image/png"),
    ],
)
def test_fetch_failures_are_one_line_input_errors(server: str, path: str, reason: str) -> None:
    [error] = fetch(f"{server}{path}", max_bytes=1000)
    assert isinstance(error, InputError)
    assert error.source == f"{server}{path}"
    assert reason in error.reason
    assert "\n" not in str(error)


def test_timeout_and_refused_connection(server: str) -> None:
    [late] = fetch(f"{server}/slow", timeout=0.3)
    assert isinstance(late, InputError) and "timed out" in late.reason
    [refused] = fetch("http://127.0.0.1:1/x")
    assert isinstance(refused, InputError) and "cannot fetch" in refused.reason


def test_urls_are_stored_once_next_to_files(server: str, database: Database) -> None:
    settings = load_settings()
    inputs = [f"{server}/article.html", f"{server}/moved", str(SEED), f"{server}/missing"]
    result = ingest(database, inputs, settings)
    assert (result.new, result.duplicates, len(result.errors)) == (2, 1, 1)

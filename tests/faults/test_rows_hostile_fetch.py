"""Fault matrix, hostile-feed rows: what a feed (or a page it links to) can make us fetch.

A real site on 127.0.0.1 serves a feed whose items link to `file:`, `data:` and `ftp:`
URLs, redirect to them, carry control characters, repeat a GUID, or trickle a page one
byte a second behind a Content-Length of 100000. Only http(s) is ever fetched (after every
redirect too), the download deadline holds whatever the sender does, and Ctrl-C ends
`watch` and `extract` within 2 seconds with exit 130.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from feed_server import Item, html_page, rss_feed
from rows_support import command, copy_good, env, error_lines, rows, scalar, summary

from stancetrack.ingest.normalize import CONTROLS
from stancetrack.tracking.feeds import parse_feed

pytestmark = pytest.mark.faults

SECRET = "TOP-SECRET-LOCAL-FILE-MARKER"
PAGE = html_page("A fine article", ["NATO will expand, the minister said on Tuesday."] * 3)
Route = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """Routes (path -> a function answering the request) and the paths requested."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self.closing = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                with contextlib.suppress(OSError):  # the client hung up (deadline, Ctrl-C)
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def body(self, path: str, data: bytes, content_type: str = "text/html") -> None:
        def answer(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)

        self.routes[path] = answer

    def redirect(self, path: str, location: str) -> None:
        def answer(h: BaseHTTPRequestHandler) -> None:
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = answer

    def trickle(self, path: str) -> None:
        """Declares 100000 bytes, then sends one a second (never a whole read's worth)."""

        def answer(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/plain; charset=utf-8")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            for _ in range(100000):
                h.wfile.write(b"a")
                h.wfile.flush()
                if self.closing.wait(1.0):
                    return

        self.routes[path] = answer

    def count(self, path: str) -> int:
        return sum(1 for p in list(self.hits) if p == path)


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    thread = threading.Thread(target=s.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield s
    finally:
        s.closing.set()
        s.httpd.shutdown()
        s.httpd.server_close()


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A bare TCP port that records every connection (an `ftp:` URL's target)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(2)
        sock.close()


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """A feed of (guid, link, title) items, links as given (absolute, any scheme)."""
    return rss_feed("", [Item(guid, link, title) for guid, link, title in items])


def watch_once(
    db_url: str, *sources: str, timeout: float = 120, args: str = ""
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        command("watch", *sources, "--once", "--backend", "rules", "--db", db_url,
                "--format", "json", *args.split()),
        env=env(), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return done, time.monotonic() - started


def stored_texts(db_url: str) -> list[str]:
    if not scalar(db_url, "SELECT count(*) FROM sqlite_master WHERE name = 'articles'"):
        return []
    return [str(r[0]) for r in rows(db_url, "SELECT text FROM articles")]


def listed_articles(db_url: str) -> str:
    done = subprocess.run(
        command("articles", "--db", db_url, "--format", "json"),
        env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_feed_items_linking_to_local_files_are_never_fetched(
    site: Site, listener: tuple[int, list[object]], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    port, connections = listener
    site.redirect("/to-file", secret.as_uri())
    site.redirect("/to-ftp", f"ftp://127.0.0.1:{port}/secret.txt")
    site.body("/ok", PAGE)
    hostile = [
        ("g-file", f"file://localhost{secret}", "A file"),
        ("g-file2", secret.as_uri(), "Another file"),
        ("g-data", f"data:text/plain,{SECRET}", "Inline data"),
        ("g-ftp", f"ftp://127.0.0.1:{port}/secret.txt", "An FTP file"),
        ("g-redir-file", f"{site.base}/to-file", "Redirected to a file"),
        ("g-redir-ftp", f"{site.base}/to-ftp", "Redirected to FTP"),
    ]
    site.body("/rss", rss([*hostile, ("g-ok", f"{site.base}/ok", "Fine")]), "application/rss+xml")
    db_url = f"sqlite:///{tmp_path / 'w.db'}"

    done, _ = watch_once(db_url, f"{site.base}/rss")

    assert done.returncode == 1, done.stderr
    assert summary(done.stdout)["sources"][0]["new"] == 1  # only the http page
    texts = stored_texts(db_url)
    assert len(texts) == 1 and not any(SECRET in t or "root:x" in t for t in texts)
    listed = listed_articles(db_url)
    assert SECRET not in listed and "file:" not in listed and "ftp:" not in listed
    assert connections == []  # nothing ever connected to the ftp port
    errors = error_lines(done.stderr)
    assert len(errors) == len(hostile), errors
    assert all("not an http(s) URL" in e for e in errors), errors
    assert sum("refused a redirect" in e for e in errors) == 2, errors
    # Refusals are permanent: recorded, so the next poll does not try them again.
    again, _ = watch_once(db_url, f"{site.base}/rss")
    assert again.returncode == 0 and site.count("/to-file") == 1, again.stderr


def test_extract_refuses_a_redirect_to_another_scheme(
    site: Site, listener: tuple[int, list[object]], tmp_path: Path
) -> None:
    port, connections = listener
    site.redirect("/to-ftp", f"ftp://127.0.0.1:{port}/x.txt")
    url = f"{site.base}/to-ftp"
    done = subprocess.run(
        command("extract", url, "--backend", "rules", "--db", f"sqlite:///{tmp_path / 'e.db'}",
                "--format", "json"),
        env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    [line] = error_lines(done.stderr)
    assert url in line and "refused a redirect" in line and "not an http(s) URL" in line, line
    assert connections == []


@pytest.mark.parametrize("char", ["\n", "\x1b", "\t", "\u202e"])
def test_a_url_with_a_control_character_is_refused(site: Site, tmp_path: Path, char: str) -> None:
    site.body("/ab", PAGE)
    site.body("/rss", rss([]), "application/rss+xml")
    url = f"{site.base}/a{char}b"
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    done = subprocess.run(
        command("extract", url, "--backend", "rules", "--db", db_url, "--format", "json"),
        env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    [line] = error_lines(done.stderr)
    assert f"U+{ord(char):04X}" in line, line
    watched, _ = watch_once(db_url, f"{site.base}/r{char}ss")
    assert watched.returncode == 2, watched.stderr
    assert f"U+{ord(char):04X}" in watched.stderr
    assert site.hits == []  # neither /ab nor /rss was requested


def test_a_trickling_page_ends_at_the_watch_deadline(site: Site, tmp_path: Path) -> None:
    site.trickle("/slow")
    site.body("/ok", PAGE)
    feed = rss([("g-slow", f"{site.base}/slow", "Slow"), ("g-ok", f"{site.base}/ok", "Fine")])
    site.body("/rss", feed, "application/rss+xml")
    done, elapsed = watch_once(
        f"sqlite:///{tmp_path / 't.db'}", f"{site.base}/rss", timeout=60,
        args="--fetch-deadline 5 --fetch-timeout 3",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    [line] = error_lines(done.stderr)
    assert f"{site.base}/slow" in line and "timed out after 5s" in line, line
    assert summary(done.stdout)["sources"][0]["new"] == 1
    assert elapsed < 15, f"took {elapsed:.1f}s"  # 5 s deadline plus start-up and extraction


def test_a_trickling_page_ends_at_the_extract_deadline(site: Site, tmp_path: Path) -> None:
    site.trickle("/slow")
    url = f"{site.base}/slow"
    started = time.monotonic()
    done = subprocess.run(
        command("extract", url, "--backend", "rules", "--db", f"sqlite:///{tmp_path / 'e.db'}",
                "--format", "json"),
        env=env(STANCETRACK_FETCH_TIMEOUT="5"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    [line] = error_lines(done.stderr)
    assert url in line and "timed out after 5s" in line, line
    assert elapsed < 15, f"took {elapsed:.1f}s"


def _interrupt_during_download(site: Site, args: list[str]) -> tuple[int, float, str]:
    """Start `args`, SIGINT it once /slow is being sent; (exit code, seconds to exit, stderr)."""
    proc = subprocess.Popen(
        command(*args), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while site.count("/slow") == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the download
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        waited = time.monotonic() - sent
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, waited, err


@pytest.mark.parametrize("kind", ["watch", "extract"])
def test_ctrl_c_during_a_trickling_download_exits_130_within_2s(
    site: Site, tmp_path: Path, kind: str
) -> None:
    site.trickle("/slow")
    site.body("/rss", rss([("g-slow", f"{site.base}/slow", "Slow")]), "application/rss+xml")
    db_url = f"sqlite:///{tmp_path / 'i.db'}"
    copy_good(tmp_path / "in")
    if kind == "watch":
        args = ["watch", f"{site.base}/rss", "--once", "--backend", "rules", "--db", db_url]
    else:
        args = ["extract", f"{site.base}/slow", str(tmp_path / "in"), "--backend", "rules",
                "--db", db_url]  # fmt: skip
    code, waited, err = _interrupt_during_download(site, args)
    assert code == 130, err
    assert "Traceback" not in err
    assert waited < 2.0, f"exited {waited:.2f}s after SIGINT"


def test_one_guid_with_other_content_is_its_own_item(site: Site, tmp_path: Path) -> None:
    site.body("/a", PAGE)
    site.body("/b", html_page("Another", ["Russia will oppose it, the spokesman said."] * 3))
    same = ("same-guid", f"{site.base}/a", "First")
    feed = rss([same, ("same-guid", f"{site.base}/b", "Second"), same])
    site.body("/rss", feed, "application/rss+xml")
    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    done, _ = watch_once(db_url, f"{site.base}/rss")
    assert done.returncode == 0, done.stderr
    [source] = summary(done.stdout)["sources"]
    assert (source["items"], source["new"], source["duplicates"]) == (3, 2, 1), source
    assert scalar(db_url, "SELECT count(*) FROM articles") == 2
    again, _ = watch_once(db_url, f"{site.base}/rss")
    assert again.returncode == 0 and site.count("/b") == 1, again.stderr


def test_feed_titles_lose_control_and_bidi_characters() -> None:
    title = "Evil\x01 title \u202eregdab\u202c with\x1b[31m colour\r\nand a line break"
    feed = rss([("g", "https://example.com/a", title)])
    [entry] = parse_feed(feed, "https://example.com/rss").entries
    assert not CONTROLS.search(entry.title) and "\n" not in entry.title, repr(entry.title)
    assert entry.title == "Evil title regdab with [31m colour and a line break"

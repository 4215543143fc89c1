"""Fault matrix, download row: a URL whose server sends one byte every 5 seconds.

The download has a total deadline (STANCETRACK_FETCH_TIMEOUT), after which that URL gets
its error line and the batch goes on; Ctrl-C (SIGINT to a real `stancetrack` process)
exits 130 within about a second even while such a download is in progress.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rows_support import command, copy_good, env, error_lines, summary

pytestmark = pytest.mark.faults


class Trickle(BaseHTTPRequestHandler):
    """Headers at once, then the body one byte every `interval` seconds."""

    interval = 5.0

    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        body = b"A slow article about NATO expansion.\n" * 20
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                if self.server.closing.wait(self.interval):  # type: ignore[attr-defined]
                    return
        except OSError:  # the client went away
            return

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_url() -> Iterator[tuple[str, ThreadingHTTPServer]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    server.hits = 0  # type: ignore[attr-defined]
    server.closing = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/article.txt", server
    finally:
        server.closing.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


def test_a_trickling_download_hits_its_total_deadline(
    slow_url: tuple[str, ThreadingHTTPServer], tmp_path: Path
) -> None:
    url, _server = slow_url
    good = copy_good(tmp_path / "in")
    db_url = f"sqlite:///{tmp_path / 'slow.db'}"
    started = time.monotonic()
    done = subprocess.run(
        command("extract", url, str(tmp_path / "in"), "--backend", "rules", "--db", db_url,
                "--format", "json"),
        env=env(STANCETRACK_FETCH_TIMEOUT="3"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and url in lines[0] and "timed out after 3s" in lines[0], lines
    assert summary(done.stdout)["extracted"] == len(good)
    assert elapsed < 60  # 3 s of download plus start-up and extraction, never the trickle


def test_ctrl_c_during_a_slow_download_exits_130_within_a_second(
    slow_url: tuple[str, ThreadingHTTPServer], tmp_path: Path
) -> None:
    url, server = slow_url
    copy_good(tmp_path / "in")
    db_url = f"sqlite:///{tmp_path / 'slow.db'}"
    proc = subprocess.Popen(
        command("extract", url, str(tmp_path / "in"), "--backend", "rules", "--db", db_url,
                "--format", "json"),
        env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while server.hits == 0:  # type: ignore[attr-defined]
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the download
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        waited = time.monotonic() - sent  # the process's end, as a shell sees it
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert summary(out)["extracted"] == 0
    # Typically 0.1-0.4 s here; the bound leaves room for a loaded machine and is still far
    # below the next trickled byte (5 s) and the download deadline (30 s).
    assert waited < 2.0, f"exited {waited:.2f}s after SIGINT"

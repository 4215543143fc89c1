"""`stancetrack serve` as users run it: a real process on 127.0.0.1 that logs one line per
request to stderr (never the token), writes nothing to stdout, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from serve_process import wait_until_serving

TOKEN = "process-token-7f3a9c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("workers", [1, 2])  # 2: uvicorn's supervisor and two processes
def test_serve_logs_requests_and_stops_on_sigterm(tmp_path: Path, workers: int) -> None:
    port = free_port()
    exe = Path(sys.executable).with_name("stancetrack")
    env = {**os.environ, "STANCETRACK_API_TOKEN": TOKEN}
    err = (tmp_path / "stderr.log").open("w+")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", db, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=err,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, 90)
        posted = httpx.post(
            f"{base}/api/articles",
            json={"title": "Short", "text": "Jens Stoltenberg said NATO's door is open."},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert posted.status_code == 202
        assert httpx.get(f"{base}/api/claims?limit=1", timeout=30).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a hung server behind; the test still fails
            proc.wait(timeout=30)
            raise
    out = proc.stdout.read() if proc.stdout else b""
    err.seek(0)
    log = err.read()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status says so.
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log
    assert out == b""  # stdout carries no result for a server: logs go to stderr
    assert '"POST /api/articles" 202' in log
    assert '"GET /api/claims?limit=1" 200' in log
    assert TOKEN not in log

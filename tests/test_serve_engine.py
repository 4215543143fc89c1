"""`serve` extracts posted articles through its one engine, on SQLite and PostgreSQL.

A real server process on 127.0.0.1 with the offline rules backend: bursts of posted
articles are all extracted, none twice; SIGTERM with articles still queued loses none (the
next start extracts them). Before the engine each POST forked a writer from the threaded
server, which deadlocked on SQLite (1 of 30 extracted after 90 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from serve_process import wait_until_serving
from sqlalchemy import create_engine, text

from stancetrack.db.engine import normalize_url

TOKEN = "engine-token-51c2"
ARTICLES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "articles").glob("*.txt"))
BODIES = [p.read_text(encoding="utf-8").split("\n", 3)[3] for p in ARTICLES]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db_url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STANCETRACK_"))}
    env["STANCETRACK_API_TOKEN"] = TOKEN
    log = (tmp_path / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "stancetrack", "serve", "--port", str(port), "--db", db_url],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, 60)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
        log.close()


def _post(base: str, i: int) -> int:
    body = {"title": f"Posted {i}", "text": f"Dispatch {i}.\n{BODIES[i % len(BODIES)]}"}
    reply = httpx.post(
        f"{base}/api/articles",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    return reply.status_code


def _counts(db_url: str) -> tuple[int, int, int]:
    """(articles, articles with a run, runs)."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as conn:
            articles = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
            done = conn.execute(text("SELECT count(DISTINCT article_id) FROM runs")).scalar_one()
            runs = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
    finally:
        engine.dispose()
    return articles, done, runs


def _wait_extracted(db_url: str, n: int, seconds: float) -> tuple[int, int, int]:
    deadline = time.monotonic() + seconds
    counts = _counts(db_url)
    while counts[1] < n and time.monotonic() < deadline:
        time.sleep(0.5)
        counts = _counts(db_url)
    return counts


def test_thirty_posts_back_to_back_are_all_extracted(db_url: str, tmp_path: Path) -> None:
    with serving(db_url, tmp_path) as (base, _proc):
        assert {_post(base, i) for i in range(30)} == {202}
        articles, done, runs = _wait_extracted(db_url, 30, 60)
    assert (articles, done, runs) == (30, 30, 30)  # each once: no run twice


def test_two_hundred_posts_from_twenty_threads(db_url: str, tmp_path: Path) -> None:
    codes: list[int] = []
    with serving(db_url, tmp_path) as (base, _proc):

        def send(k: int) -> None:
            codes.extend(_post(base, i) for i in range(k, 200, 20))

        threads = [threading.Thread(target=send, args=(k,)) for k in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert set(codes) == {202} and len(codes) == 200
        articles, done, runs = _wait_extracted(db_url, 200, 60)
    assert (articles, done, runs) == (200, 200, 200)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_with_articles_queued_loses_none(db_url: str, tmp_path: Path) -> None:
    with serving(db_url, tmp_path) as (base, proc):
        for i in range(120):
            assert _post(base, i) == 202
        proc.send_signal(signal.SIGTERM)  # while most are still queued
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
    articles, done, _runs = _counts(db_url)
    assert articles == 120
    with serving(db_url, tmp_path):  # the next start picks up what was left queued
        articles, done, runs = _wait_extracted(db_url, 120, 60)
    assert (articles, done, runs) == (120, 120, 120)

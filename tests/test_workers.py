"""`extract --queue` + `stancetrack worker` on one PostgreSQL database, in real processes.

Three workers share the queue over the fixtures and a few hundred generated articles; one is
`kill -9`ed mid-job, or has its database connections terminated mid-job. Every article must
end with exactly one successful run, the same claims a single `extract` stores, nothing
duplicated and nothing lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import ARTICLES, STEMS
from generated_corpus import responder, write_corpus
from sqlalchemy import create_engine, text
from stub_server import HttpError, StubServer

GENERATED = 200
pytestmark = pytest.mark.postgres


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def _claims(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    'SELECT a.sha256, c.quote, c.start, c."end", c.stance, c.speaker'
                    " FROM claims c JOIN articles a ON a.id = c.article_id"
                )
            ).all()
    finally:
        engine.dispose()
    return sorted(tuple(r) for r in rows)


def _worker(stub: StubServer, url: str, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPENAI_API_KEY": "test-key"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stancetrack",
            "worker",
            "--db",
            url,
            "--base-url",
            stub.base_url,
            "--concurrency",
            "4",
            "--stalled-after",
            "2",
            "--name",
            name,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, GENERATED)
    for stem in STEMS:
        (folder / f"{stem}.txt").write_text((ARTICLES / f"{stem}.txt").read_text("utf-8"), "utf-8")
    return folder


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _with(url: str, **params: str) -> str:
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


@pytest.mark.parametrize("fault", ["kill -9", "pg_terminate_backend"])
def test_three_workers_extract_every_article_once(
    cli: Any, pg_url: str, tmp_path: Path, corpus: Path, workers: list[Any], fault: str
) -> None:
    total = GENERATED + len(STEMS)
    live_url = f"sqlite:///{tmp_path / 'live.db'}"
    with StubServer(default=responder(), latency=0.05) as stub:
        base = ["--base-url", stub.base_url, "--format", "json"]
        live = cli(["extract", corpus, "--db", live_url, *base])
        assert live.exit_code == 0, live.stderr
        stub.requests.clear()

        queued = cli(["extract", corpus, "--queue", "--db", pg_url, *base])
        assert queued.exit_code == 0, queued.stderr
        assert json.loads(queued.stdout) == {
            "articles": total,
            "queued": total,
            "skipped": 0,
            "failed": 0,
        }
        again = json.loads(cli(["extract", corpus, "--queue", "--db", pg_url, *base]).stdout)
        assert again["queued"] == 0 and again["skipped"] == total  # already waiting

        victim_url = _with(pg_url, application_name="st-victim")
        workers.append(_worker(stub, victim_url, "victim"))
        workers.append(_worker(stub, pg_url, "w1"))
        workers.append(_worker(stub, pg_url, "w2"))

        def victim_busy() -> bool:
            return (
                _count(pg_url, "SELECT count(*) FROM runs") >= 20
                and _count(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
                >= 3
            )

        _wait_for(victim_busy, 120, "the workers to be busy")
        before = len(stub.chat_requests)
        if fault == "kill -9":
            workers[0].send_signal(signal.SIGKILL)
        else:
            killed = _count(
                pg_url,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'st-victim'",
            )
            assert killed >= 1  # the victim's connections, mid-job

        def all_done() -> bool:
            return (
                _count(pg_url, "SELECT count(DISTINCT article_id) FROM runs WHERE status = 'ok'")
                >= total
                and _count(
                    pg_url,
                    "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')",
                )
                == 0
            )

        _wait_for(all_done, 240, "every article to be extracted")
        assert len(stub.chat_requests) > before

    assert _count(pg_url, "SELECT count(*) FROM articles") == total
    per_article = _count(
        pg_url,
        "SELECT count(*) FROM (SELECT article_id FROM runs WHERE status = 'ok'"
        " GROUP BY article_id HAVING count(*) > 1) AS twice",
    )
    assert per_article == 0  # extracted exactly once
    assert _count(pg_url, "SELECT count(*) FROM runs WHERE status = 'ok'") == total
    assert (
        _count(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'") == 0
    )
    assert _claims(pg_url) == _claims(live_url)  # nothing duplicated, nothing lost
    assert len(_claims(pg_url)) >= GENERATED
    if fault == "kill -9":
        assert workers[0].wait(5) == -signal.SIGKILL


def test_queue_refuses_sqlite(cli: Any, sqlite_url: str) -> None:
    result = cli(["extract", ARTICLES, "--queue", "--db", sqlite_url, "--backend", "rules"])
    assert result.exit_code == 2
    assert "the job queue needs PostgreSQL" in result.stderr


async def test_workers_back_off_together_on_429(db_url: str) -> None:
    """One worker meets a 429 with Retry-After: the other holds its next request too."""
    from stancetrack.db import Database
    from stancetrack.llm.base import ExtractionRequest
    from stancetrack.llm.openai_backend import OpenAIBackend
    from stancetrack.llm.retries import RetryPolicy
    from stancetrack.scaleout.pause import DbPause
    from stancetrack.settings import load_settings

    db = Database(db_url)
    with StubServer() as stub:
        settings = load_settings(database_url=db_url, openai_base_url=stub.base_url)
        host = f"127.0.0.1:{stub.port}"
        retry = RetryPolicy(max_retries=3, initial=0.01, max_wait=5)
        first = OpenAIBackend(settings, retry=retry, pause=DbPause(db, host))
        second = OpenAIBackend(settings, retry=retry, pause=DbPause(db, host))
        stub.queue(HttpError(429, "slow down", headers={"Retry-After": "1.5"}))
        request = ExtractionRequest(title="t", text="Some text here.", target="NATO expansion")
        try:
            one = asyncio.ensure_future(first.extract(request))
            while not stub.chat_requests and not one.done():  # a failure ends the wait
                await asyncio.sleep(0.01)
            assert stub.chat_requests, one.exception()
            hit = stub.chat_requests[0].time
            await asyncio.sleep(0.3)  # the first worker has recorded the pause by now
            await second.extract(request)
            await one
        finally:
            await first.aclose()
            await second.aclose()
            db.dispose()
        times = sorted(r.time for r in stub.chat_requests)
        assert len(times) == 3
        # without the shared pause the second worker would have asked at once (+0.3 s)
        assert times[1] - hit >= 1.3

"""Every path that extracts stores through one engine per process (pipeline/engine.py).

`Engine.open` is wrapped to count the engines each path builds and the runs they do; the
paths are the real ones (the CLI in-process, `watch --once`, the service's queue, the
queue worker's job handler) on a real SQLite database, with the offline rules backend;
`batches collect` against the Batch API stub on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from stancetrack.db import Database
from stancetrack.db.models import Run
from stancetrack.pipeline import engine as engine_module
from stancetrack.pipeline.engine import Engine

REPO = Path(__file__).resolve().parents[1]
ARTICLES = sorted((REPO / "fixtures" / "articles").glob("*.txt"))


class Opened:
    """The engines built while the wrapper is in place, and the runs each did."""

    def __init__(self) -> None:
        self.engines: list[Engine] = []
        self.runs: dict[int, int] = {}


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[Opened]:
    seen = Opened()
    real_open = Engine.open.__func__  # type: ignore[attr-defined]
    real_run = Engine.run

    def counting_open(cls: type[Engine], *args: Any, **kwargs: Any) -> Engine:
        engine: Engine = real_open(cls, *args, **kwargs)
        seen.engines.append(engine)
        return engine

    async def counting_run(self: Engine, *args: Any, **kwargs: Any) -> Any:
        seen.runs[id(self)] = seen.runs.get(id(self), 0) + 1
        return await real_run(self, *args, **kwargs)

    monkeypatch.setattr(engine_module.Engine, "open", classmethod(counting_open))
    monkeypatch.setattr(engine_module.Engine, "run", counting_run)
    yield seen


def _runs(url: str) -> list[Run]:
    db = Database(url)
    try:
        with db.sessions() as session:
            return list(session.scalars(select(Run).order_by(Run.id)))
    finally:
        db.dispose()


def test_extract_builds_one_engine_for_the_command(
    cli: Any, sqlite_url: str, opened: Opened
) -> None:
    result = cli(["extract", *map(str, ARTICLES[:4]), "--db", sqlite_url, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["extracted"] == 4
    assert len(opened.engines) == 1 and list(opened.runs.values()) == [1]
    assert len(_runs(sqlite_url)) == 4


def test_watch_keeps_one_engine_across_polls(
    cli: Any, sqlite_url: str, tmp_path: Path, opened: Opened
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(ARTICLES[0], folder)
    result = cli(["watch", str(folder), "--once", "--db", sqlite_url, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert len(opened.engines) == 1
    assert len(_runs(sqlite_url)) == 1


def test_serve_feeds_posted_articles_to_its_one_engine(sqlite_url: str, opened: Opened) -> None:
    from fastapi.testclient import TestClient

    from stancetrack.service.app import create_app
    from stancetrack.settings import Settings

    app = create_app(Settings(database_url=sqlite_url, backend="rules"), token=b"t")
    texts = [p.read_text(encoding="utf-8").split("\n", 3) for p in ARTICLES[:5]]
    with TestClient(app) as client:
        for title, _date, _url, body in texts:
            reply = client.post(
                "/api/articles",
                json={"title": title, "text": body},
                headers={"Authorization": "Bearer t"},
            )
            assert reply.status_code == 202, reply.text
        queue = app.state.service.queue
        client.portal.call(queue.join)  # type: ignore[union-attr]
        assert queue.engine in opened.engines
    assert len(opened.engines) == 1
    assert len(_runs(sqlite_url)) == 5


def test_the_worker_feeds_every_job_to_one_engine(sqlite_url: str, opened: Opened) -> None:
    from stancetrack.db.repository.articles import store_article
    from stancetrack.ingest import read_bytes
    from stancetrack.scaleout.worker import WorkerState
    from stancetrack.settings import Settings

    db = Database(sqlite_url)
    ids = []
    with db.session() as session:
        for path in ARTICLES[:3]:
            [item] = list(read_bytes(str(path), path.read_bytes(), ".txt"))
            article_id, _created = store_article(session, item)
            ids.append(article_id)
    settings = Settings(database_url=sqlite_url, backend="rules")
    state = WorkerState(settings, db, "w1")

    async def jobs() -> list[str]:
        try:
            job = {"model": settings.model, "target": settings.target}
            done = [await state.run({**job, "article_id": i}, job_id=10 + i) for i in ids]
            done.append(await state.run({**job, "article_id": ids[0]}, job_id=99))
            return done
        finally:
            await state.aclose()

    try:
        assert asyncio.run(jobs()) == ["ok", "ok", "ok", "skipped"]
    finally:
        db.dispose()
    assert len(opened.engines) == 1 and list(opened.runs.values()) == [4]
    runs = _runs(sqlite_url)
    assert [r.params["job"] for r in runs] == [10 + i for i in ids]
    assert {r.params["via"] for r in runs} == {"worker"}


def test_batches_collect_stores_through_one_engine(
    cli: Any, sqlite_url: str, opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finished Batch API batch (the stub on 127.0.0.1): its answers are stored by one
    engine as replies that came as files, and the article whose batched request failed is
    re-run live as a run of that same engine."""
    from extract_helpers import ARTICLES as GOLD_ARTICLES
    from extract_helpers import STEMS, gold_responder, marker
    from stub_server import HttpError, StubServer

    stored: list[tuple[int, int]] = []  # (engine, replies) per store_replies call
    real_store = Engine.store_replies

    async def counting_store(self: Engine, answered: Any) -> Any:
        stored.append((id(self), len(answered)))
        return await real_store(self, answered)

    monkeypatch.setattr(engine_module.Engine, "store_replies", counting_store)
    stems = STEMS[:4]
    erroring = stems[1]
    asked: dict[str, int] = {}
    responder = gold_responder()

    def respond(body: dict[str, Any]) -> Any:
        # The batch's request about one article fails; asked live, it is answered.
        text = "\n".join(str(m.get("content")) for m in body.get("messages", []))
        if marker(erroring) in text:
            asked[erroring] = asked.get(erroring, 0) + 1
            if asked[erroring] == 1:
                return HttpError(500, "busy")
        return responder(body)

    with StubServer(default=respond) as stub:
        base = ["--base-url", stub.base_url, "--db", sqlite_url, "--format", "json"]
        paths = [str(GOLD_ARTICLES / f"{s}.txt") for s in stems]
        sent = cli(["extract", *paths, "--batch-api", *base])
        assert sent.exit_code == 0, sent.stderr
        [provider_id] = json.loads(sent.stdout)["batches"]
        before = len(opened.engines)
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *base])
        assert done.exit_code == 0, done.stderr
        result = json.loads(done.stdout)
    assert result["stored"] == 4 and result["live"] == 1 and result["failed"] == 0
    [engine] = opened.engines[before:]
    assert {e for e, _n in stored} == {id(engine)}
    assert sum(n for _e, n in stored) == 3  # the batch's three good answers
    assert opened.runs[id(engine)] == 1  # the live re-run: one run of the same engine
    runs = _runs(sqlite_url)
    assert len(runs) == 4 and {r.status for r in runs} == {"ok"}
    assert sorted(r.params["via"] for r in runs) == [
        "batch-api",
        "batch-api",
        "batch-api",
        "live-after-batch-api",
    ]
    assert {r.params["batch"] for r in runs} == {provider_id}
    assert all(r.claims_count > 0 for r in runs)

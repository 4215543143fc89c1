"""The batch's seams: one typed writer per database, inputs read outside it.

- A URL that takes its time to answer holds up only itself: the articles read before it
  are extracted and stored while the fetch is still waiting (SQLite and PostgreSQL).
- The structured-output mode the backend learns is written by the batch's writer: the main
  process issues no write at all during `extract` (writer in a process), and with the
  writer on a thread every write runs on that thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from stub_server import LLAMA_CPP_JSON_SCHEMA_ERROR, StubServer

from stancetrack.db import Database
from stancetrack.db.models import EndpointMode, Run
from stancetrack.db.repository.extraction import DbModeStore
from stancetrack.errors import InputError
from stancetrack.ingest import iter_inputs
from stancetrack.llm.modes import JSON_OBJECT, JSON_SCHEMA
from stancetrack.llm.openai_backend import endpoint_host
from stancetrack.pipeline import extract_async
from stancetrack.pipeline.modes import BatchModeStore
from stancetrack.pipeline.reading import InputReader
from stancetrack.settings import Settings

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "fixtures" / "articles"
PAGE = (REPO / "fixtures" / "formats" / "vilnius_summit.html").read_bytes()
HOLD_SECONDS = 30.0


class SlowPage:
    """An HTTP server on 127.0.0.1 whose one page is held until `release` (or a timeout)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked = threading.Event()
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page.asked.set()
                page.release.wait(HOLD_SECONDS)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/summit.html"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlowPage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def settings_for(stub: StubServer, db_url: str, **extra: Any) -> Settings:
    return Settings(
        database_url=db_url,
        openai_base_url=stub.base_url,
        openai_api_key="sk-test",
        model="stub-model",
        backend="openai",
        concurrency=4,
        max_retries=0,
        **extra,
    )


def count_runs(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Run)) or 0)


async def test_a_blocking_url_fetch_does_not_block_stores(db_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    stems = sorted(p.name for p in ARTICLES.glob("*.txt"))[:3]
    for name in stems:
        (files / name).write_bytes((ARTICLES / name).read_bytes())
    watcher_db = Database(db_url)
    stored_while_held: list[int] = []

    with SlowPage() as page, StubServer() as stub:

        def watch() -> None:
            """Release the page once the files' runs are committed (or give up)."""
            page.asked.wait(HOLD_SECONDS)
            deadline = time.monotonic() + HOLD_SECONDS - 5
            while time.monotonic() < deadline:
                runs = count_runs(watcher_db)
                if runs >= len(stems):
                    stored_while_held.append(runs)
                    break
                time.sleep(0.05)
            page.release.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        summary = await extract_async([str(files), page.url], settings_for(stub, db_url))
        watcher.join(HOLD_SECONDS)
    watcher_db.dispose()

    assert page.asked.is_set()
    # The three files were stored while the URL's fetch was still held open.
    assert stored_while_held == [len(stems)]
    assert (summary.articles, summary.extracted, summary.failed) == (4, 4, 0)
    db = Database(db_url)
    try:
        assert count_runs(db) == 4
    finally:
        db.dispose()


@pytest.mark.parametrize("process", [True, False], ids=["writer-process", "writer-thread"])
async def test_the_learned_mode_is_written_through_the_writer(
    sqlite_url: str, process: bool
) -> None:
    db = Database(sqlite_url)
    writes: list[tuple[str, str]] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            writes.append((threading.current_thread().name, statement))

    with StubServer(reject_formats={"json_schema": LLAMA_CPP_JSON_SCHEMA_ERROR}) as stub:
        settings = settings_for(stub, sqlite_url)
        # The engine builds the backend with a mode store that writes through its writer.
        summary = await extract_async(
            [str(ARTICLES)], settings, database=db, writer_process=process
        )
        assert summary.extracted == summary.articles > 0
        host = endpoint_host(stub.base_url)
        assert DbModeStore(db).get(host, "stub-model") == JSON_OBJECT
        with db.sessions() as session:
            assert session.scalars(select(EndpointMode)).one().mode == JSON_OBJECT

        if process:  # the writer is another process: this one wrote nothing at all
            assert writes == []
        else:  # the writer is a thread of this process: every write ran on it
            assert any("endpoint_modes" in sql for _thread, sql in writes)
            assert {thread for thread, _sql in writes} == {"stancetrack-db_0"}

        # The next batch starts from the remembered mode: no json_schema probe.
        asked = len(stub.chat_requests)
        await extract_async([str(ARTICLES)], settings, database=db, force=True)
        later = [r.json.get("response_format", {}).get("type") for r in stub.chat_requests[asked:]]
        assert later and JSON_SCHEMA not in later
    db.dispose()


def test_a_mode_learned_without_a_batch_waits_for_its_writer(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        modes = BatchModeStore(db)
        assert modes.get("h:1", "m") is None
        modes.set("h:1", "m", JSON_OBJECT)
        assert modes.get("h:1", "m") == JSON_OBJECT
        assert DbModeStore(db).get("h:1", "m") is None  # not written from here
        with pytest.raises(ValueError, match="unknown output mode"):
            modes.set("h:1", "m", "xml")
    finally:
        db.dispose()


async def test_the_reader_hands_over_what_is_read_in_order(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"")
    paths = [str(ARTICLES), str(tmp_path / "bad.txt"), str(tmp_path / "missing.txt")]
    expected = [
        item.source if isinstance(item, InputError) else item.sha256
        for item in iter_inputs(paths, max_bytes=10**7)
    ]
    reader = InputReader(paths, max_bytes=10**7, capacity=3)
    reader.start()
    seen: list[str] = []
    while chunk := await reader.next_chunk(2):
        assert 1 <= len(chunk) <= 2
        seen += [i.source if isinstance(i, InputError) else i.sha256 for i in chunk]
    assert seen == expected and len(seen) == len(list(ARTICLES.glob("*.txt"))) + 2
    assert await reader.next_chunk(2) == []


async def test_a_reader_failure_is_raised_in_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise RuntimeError("disk on fire")
        yield

    monkeypatch.setattr("stancetrack.pipeline.reading.iter_inputs", broken)
    reader = InputReader(["x"], max_bytes=10)
    reader.start()
    with pytest.raises(RuntimeError, match="disk on fire"):
        await reader.next_chunk(4)

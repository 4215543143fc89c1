"""The service under test: a real uvicorn server on 127.0.0.1 (a free port, its own thread)
over a real database holding the fixture corpus plus one hostile article (XSS strings in
its title, text, actor name, quote and claim)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from analysis_corpus import load_corpus
from sqlalchemy import create_engine, text

from stancetrack.analysis.gold import import_gold
from stancetrack.db import Database
from stancetrack.service.app import create_app
from stancetrack.settings import load_settings

PG_URL = os.environ.get(
    "STANCETRACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TOKEN = "test-token-" + uuid.uuid4().hex  # a secret the logs must never show

# Hostile strings: each must stay text on every page.
EVIL_TITLE = "Evil <script>document.title='pwned'</script> title"
EVIL_QUOTE = '"><img id="pwned" src=x onerror="document.title=1">'
EVIL_ACTOR = "</script><b id=pwned2>Evil</b>"
EVIL_CLAIM = "<script>window.pwned=1</script> claims NATO must stop"
EVIL_MARKERS = ("<script>document", '<img id="pwned"', "<b id=pwned2>", "<script>window")


def write_evil(folder: Path) -> tuple[Path, Path]:
    article = folder / "evil.txt"
    article.write_text(
        f"{EVIL_TITLE}\n20240401\nhttps://example.com/evil\n"
        f"It said {EVIL_QUOTE} loudly about NATO expansion.\n",
        encoding="utf-8",
    )
    gold = folder / "evil.json"
    gold.write_text(
        json.dumps(
            {
                "claims": [
                    {
                        "speaker": "It",
                        "actor": EVIL_ACTOR,
                        "quote": EVIL_QUOTE,
                        "claim": EVIL_CLAIM,
                        "stance": "oppose",
                        "confidence": 0.4,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return article, gold


def load_site_db(url: str, folder: Path) -> None:
    load_corpus(url)
    article, gold = write_evil(folder)
    db = Database(url)
    try:
        import_gold(db, [gold], articles=[str(article)])
    finally:
        db.dispose()


@contextmanager
def site_database(kind: str, folder: Path) -> Iterator[str]:
    """A database (sqlite file or a fresh PostgreSQL schema) with the site's content."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'site.db'}"
        load_site_db(url, folder)
        yield url
        return
    if os.environ.get("STANCETRACK_TEST_SKIP_PG") == "1":
        pytest.skip("STANCETRACK_TEST_SKIP_PG=1")
    schema = f"st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        load_site_db(url, folder)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    url: str  # http://127.0.0.1:PORT
    db_url: str
    server: uvicorn.Server

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


@contextmanager
def running_site(db_url: str, *, token: str | None = TOKEN, **settings: object) -> Iterator[Site]:
    """uvicorn serving create_app on a free loopback port until the block ends."""
    # token None: create_app reads $STANCETRACK_API_TOKEN, which conftest clears: no token
    app = create_app(
        load_settings(database_url=db_url, backend="rules", **settings),
        token=token.encode() if token else None,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", db_url, server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)

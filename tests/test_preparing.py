"""The writer grounds and fingerprints before it opens the transaction (pipeline/preparing.py).

A group of replies is stored by `Store.write_replies` on a real database (SQLite and
PostgreSQL); SQLAlchemy's own BEGIN and COMMIT/ROLLBACK events tell when a transaction is
open, and the CPU stages record whether one was open when they ran.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from stancetrack.db import Database
from stancetrack.db.models import Article, Claim, StorySignature, utcnow
from stancetrack.db.repository import stories
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.llm.base import ExtractionRequest, PromptInfo
from stancetrack.llm.rules import RulesBackend
from stancetrack.pipeline import preparing
from stancetrack.pipeline.messages import Answered, Provenance, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key

REPO = Path(__file__).resolve().parents[1]
TARGET = "NATO expansion"


def _answered(n: int) -> list[Answered]:
    paths = sorted((REPO / "fixtures" / "articles").glob("*.txt"))[:n]
    items = [
        i
        for i in iter_inputs([str(p) for p in paths], max_bytes=10**7)
        if isinstance(i, ArticleInput)
    ]
    out = []
    for item in items:
        reply = asyncio.run(RulesBackend().extract(ExtractionRequest("", item.text, TARGET)))
        key = cache_key(item.sha256, "0" * 64, "rules-v1", TARGET)
        out.append(Answered(Work(item, key), reply, utcnow(), 1.0))
    return out


def test_grounding_and_fingerprints_run_outside_the_transaction(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_url)
    provenance = Provenance("rules", "rules-v1", "h", PromptInfo("p", "1", "0" * 64), 0, 1, {})
    store = Store(StoreConfig(db.url, TARGET, provenance), db)
    open_now = {"tx": False}
    seen: list[tuple[str, bool]] = []

    def began(_conn: Any) -> None:
        open_now["tx"] = True

    def ended(_conn: Any) -> None:
        open_now["tx"] = False

    event.listen(db.engine, "begin", began)
    event.listen(db.engine, "commit", ended)
    event.listen(db.engine, "rollback", ended)

    def watched(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, open_now["tx"]))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(preparing, "ground_reply", watched("ground", preparing.ground_reply))
    monkeypatch.setattr(preparing, "fingerprint", watched("fingerprint", preparing.fingerprint))
    monkeypatch.setattr(stories, "fingerprint", watched("in transaction", stories.fingerprint))
    answered = _answered(4)
    try:
        outcomes = store.write_replies(answered)
        assert [o.status for o in outcomes] == ["ok"] * 4
        assert sum(o.claims for o in outcomes) > 0
        assert sorted(seen) == sorted([("ground", False)] * 4 + [("fingerprint", False)] * 4)
        with db.sessions() as session:
            articles = session.scalar(select(func.count(Article.id)))
            signatures = session.scalar(select(func.count(StorySignature.article_id)))
            claims = session.scalars(select(Claim)).all()
            assert articles == 4 and signatures == 4  # the fingerprints handed in were stored
            assert all(c.quote == c.article.text[c.start : c.end] for c in claims)
    finally:
        db.dispose()

"""The service's common reads at scale (migration 0011): claims pages in reading order are
index ranges over `claims.published`, the article's date copied onto its claims, and the
compare overview is cached under a change stamp read from the database.

Reading order must stay what it was (date, undated last, article, offset, id) and the stamp
must move with every commit, whichever connection or process made it.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from stancetrack.analysis import answers
from stancetrack.analysis.compare import compare
from stancetrack.db import Database
from stancetrack.db.models import Actor, Article, Claim
from stancetrack.db.read_models import dump_all
from stancetrack.db.repository.analysis import ClaimFilter, list_claims
from stancetrack.db.repository.articles import store_article
from stancetrack.db.repository.extraction import NewClaim, record_run
from stancetrack.ingest.readers import ArticleInput

TARGET = "NATO expansion"


def _article(n: int, published: date | None) -> ArticleInput:
    text_ = f"Article {n} says a thing. " * 8
    sha = hashlib.sha256(text_.encode()).hexdigest()
    return ArticleInput(f"mem/{n}.txt", f"Article {n}", text_, None, published, "txt", sha)


def _run(article_id: int, n: int, evidence_seed: int = 0) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "cache_key": hashlib.sha256(f"{article_id}:{n}:{evidence_seed}".encode()).hexdigest(),
        "backend": "test",
        "model": "m",
        "prompt_name": "p",
        "prompt_version": "1",
        "prompt_sha256": "0" * 64,
        "target": TARGET,
        "params": {},
        "status": "ok",
    }


def _random_claim(
    rng: random.Random,
    actor_ids: list[int],
    start: int,
    *,
    confidences: tuple[float, ...] = (0.5,),
    subjects: tuple[str, ...] = (),
) -> NewClaim:
    """A four-character claim at `start` by a random actor, with a random stance and speaker
    evidence; a confidence and subjects are drawn only when there is a choice. Draws in
    this order (actor, stance, confidence, evidence, subjects), so a seed gives the same
    claims wherever it is used."""
    actor_id = rng.choice(actor_ids)
    stance = rng.choice(["support", "oppose", "neutral", "unrelated"])
    confidence = rng.choice(confidences) if len(confidences) > 1 else confidences[0]
    evidence = rng.choice(["cue", "nearby", "absent"])
    about = tuple(sorted(rng.sample(subjects, rng.choice([0, 1, 1, 2])))) if subjects else ()
    return NewClaim(
        actor_id=actor_id,
        speaker="x",
        quote="says",
        start=start,
        end=start + 4,
        claim="c",
        attribution="direct",
        stance=stance,
        confidence=confidence,
        rationale="",
        alignment="exact",
        speaker_evidence=evidence,
        subjects=about,
    )


def _fill(db: Database, *, articles: int = 30, seed: int = 7) -> list[int]:
    """Articles with repeated, missing and distinct dates; claims of three actors at
    several offsets each, some with an absent speaker. Returns the actor ids."""
    rng = random.Random(seed)
    day0 = date(2024, 1, 1)
    with db.session() as s:
        actors = [Actor(name=f"Speaker {i}", key=f"speaker {i}") for i in range(3)]
        s.add_all(actors)
        s.flush()
        ids = [a.id for a in actors]
        for n in range(articles):
            published = None if n % 5 == 0 else day0 + timedelta(days=rng.randrange(6))
            article_id, _ = store_article(s, _article(n, published))
            claims = [_random_claim(rng, ids, start) for start in rng.sample(range(0, 150, 5), 4)]
            record_run(s, _run(article_id, n), claims)
    return ids


def _expected(db: Database, actor_id: int | None = None) -> list[int]:
    """Claim ids in reading order, from the articles' own dates (not the copy)."""
    with db.session() as s:
        stmt = select(Claim.id, Article.published, Claim.article_id, Claim.start).join(
            Article, Article.id == Claim.article_id
        )
        if actor_id is not None:
            stmt = stmt.where(Claim.actor_id == actor_id)
        rows = s.execute(stmt).all()
    rows.sort(key=lambda r: (r[1] is None, r[1] or date.min, r[2], r[3], r[0]))
    return [r[0] for r in rows]


def _paged(db: Database, actors: list[str], limit: int) -> list[int]:
    out: list[int] = []
    cursor = None
    with db.session() as s:
        while True:
            query = answers.ClaimQuery(target=TARGET, actors=actors)
            page = answers.claims_answer(s, query, limit=limit, cursor=cursor)
            out += [item["id"] for item in page.items]
            assert len(page.items) <= limit
            cursor = page.next
            if cursor is None:
                return out


def test_claims_carry_their_articles_date_and_keep_the_reading_order(database: Database) -> None:
    ids = _fill(database)
    with database.session() as s:
        pairs = s.execute(
            select(Claim.published, Article.published).join(Article, Article.id == Claim.article_id)
        ).all()
    assert pairs and all(mine == theirs for mine, theirs in pairs)
    assert any(p is None for p, _ in pairs) and any(p is not None for p, _ in pairs)

    with database.session() as s:
        assert [r.id for r in list_claims(s, ClaimFilter(target=TARGET))] == _expected(database)
    for actor_id in ids:
        expected = _expected(database, actor_id)
        with database.session() as s:
            rows = list_claims(s, ClaimFilter(target=TARGET, actor_ids=[actor_id]))
        assert [r.id for r in rows] == expected
        name = rows[0].actor
        for limit in (1, 3, 7):  # pages crossing dates, ties and the undated tail
            assert _paged(database, [name], limit) == expected
    assert _paged(database, [], 4) == _expected(database)

    # An article's date edited in SQL: its claims follow (trigger), and so does the order.
    with database.session() as s:
        undated = s.scalar(select(Article.id).where(Article.published.is_(None)).limit(1))
        s.execute(update(Article).where(Article.id == undated).values(published=date(2020, 1, 1)))
    with database.session() as s:
        moved = set(s.scalars(select(Claim.published).where(Claim.article_id == undated)))
        assert moved == {date(2020, 1, 1)}
        assert [r.id for r in list_claims(s, ClaimFilter(target=TARGET))] == _expected(database)


def _statements(db: Database) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_claims_pages_are_index_ranges_on_sqlite(sqlite_url: str) -> None:
    """No page sorts the actor's claims: each query is a range of the reading-order index."""
    db = Database(sqlite_url)
    try:
        _fill(db, articles=60)
        with db.session() as s:
            name = s.scalar(select(Actor.name).order_by(Actor.id).limit(1))
            page = answers.claims_answer(
                s, answers.ClaimQuery(target=TARGET, actors=[str(name)]), limit=5
            )
        seen = _statements(db)
        with db.session() as s:
            for cursor in (None, page.next):
                answers.claims_answer(
                    s, answers.ClaimQuery(target=TARGET, actors=[str(name)]), limit=5, cursor=cursor
                )
                answers.claims_answer(s, answers.ClaimQuery(target=TARGET), limit=5)
        queries = [(q, p) for q, p in seen if "FROM claims" in q and "ORDER BY" in q]
        assert len(queries) >= 4
        with db.engine.connect() as conn:
            for statement, params in queries:
                plan = _plan(conn, statement, params)
                assert "TEMP B-TREE" not in plan, plan
                assert "ix_claims_target_actor_published" in plan or (
                    "ix_claims_target_published" in plan
                ), plan
        # Two articles' claims (diff): found by article, never by walking the date order.
        seen.clear()
        with db.session() as s:
            answers.diff_answer(s, "1", "2", target=TARGET)
        queries = [(q, p) for q, p in seen if "FROM claims" in q and "ORDER BY" in q]
        assert queries
        with db.engine.connect() as conn:
            for statement, params in queries:
                plan = _plan(conn, statement, params)
                assert "published" not in plan and "SCAN claims" not in plan, plan
    finally:
        db.dispose()


def _plan(conn: Any, statement: str, params: Any) -> str:
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
    return " | ".join(row[3] for row in rows)


def _overview(db: Database, **kwargs: Any) -> list[dict[str, Any]]:
    with db.session() as s:
        return dump_all([r.read_model() for r in compare(s, target=TARGET, **kwargs)])


def _uncached(db: Database, **kwargs: Any) -> list[dict[str, Any]]:
    with db.session() as s:  # actor ids given: never cached
        ids = list(s.scalars(select(Actor.id)))
        return dump_all(
            [r.read_model() for r in compare(s, target=TARGET, actor_ids=ids, **kwargs)]
        )


@pytest.mark.parametrize("unverified", [False, True])
def test_the_overview_cache_follows_every_commit(db_url: str, unverified: bool) -> None:
    db = Database(db_url)
    other = Database(db_url)  # another process's engine: its own connections
    try:
        ids = _fill(db)
        first = _overview(db, include_unverified=unverified)
        assert first == _uncached(db, include_unverified=unverified)
        assert sum(r["claims"] for r in first) > 0

        seen = _statements(db)  # a second read of unchanged data: a cache hit
        assert _overview(db, include_unverified=unverified) == first
        with db.session() as held:  # ... on another pooled connection too
            held.connection()
            assert _overview(db, include_unverified=unverified) == first
        assert not [q for q, _ in seen if "actor_stance_counts" in q]

        # Written by the other engine, then by this one: each shows at once.
        with other.session() as s:
            s.execute(update(Claim).where(Claim.actor_id == ids[0]).values(stance="oppose"))
        second = _overview(db, include_unverified=unverified)
        assert second != first
        assert second == _uncached(db, include_unverified=unverified)
        with db.session() as s:
            s.execute(
                update(Claim).where(Claim.actor_id == ids[1]).values(speaker_evidence="absent")
            )
        third = _overview(db, include_unverified=unverified)
        assert third == _uncached(db, include_unverified=unverified)
        if not unverified:
            assert third != second
        with other.session() as s:
            s.execute(text("UPDATE actors SET name = 'Renamed' WHERE id = :id"), {"id": ids[2]})
        assert any(r["actor"] == "Renamed" for r in _overview(db, include_unverified=unverified))
    finally:
        other.dispose()
        db.dispose()


def test_a_missed_overview_is_computed_once_for_concurrent_requests(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a commit every request in flight misses together: one computes, the rest wait."""
    from stancetrack.analysis import compare as module

    db = Database(sqlite_url)
    try:
        _fill(db)
        real = module._compare
        calls: list[int] = []

        def slow(*args: Any) -> Any:
            calls.append(1)
            time.sleep(0.3)  # long enough for every thread to arrive and miss
            return real(*args)

        monkeypatch.setattr(module, "_compare", slow)
        start = threading.Barrier(6)
        results: list[list[dict[str, Any]]] = []

        def request() -> None:
            start.wait()
            results.append(_overview(db, include_unverified=True))

        threads = [threading.Thread(target=request) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert len(calls) == 1
        assert len(results) == 6 and all(r == results[0] for r in results)
        assert results[0] == _uncached(db, include_unverified=True)
    finally:
        db.dispose()

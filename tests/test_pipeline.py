"""The extraction pipeline with an in-test backend: storage, grounding, skip, failures.

The backend here answers the gold claims of whichever fixture article it is given, so these
tests check the pipeline itself (on SQLite and PostgreSQL); the OpenAI backend against a
real HTTP server is covered in test_pipeline_openai.py.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from stancetrack.db import Database
from stancetrack.db.models import Actor, Article, Claim, RejectedClaim, Run
from stancetrack.db.repository.extraction import DbModeStore
from stancetrack.grounding import QUOTE_NOT_FOUND
from stancetrack.llm.base import BackendReply, ExtractionError, ExtractionRequest, PromptInfo
from stancetrack.pipeline import INVALID_ITEM, ExtractObserver, cache_key, extract_async
from stancetrack.schemas import ReplyClaim
from stancetrack.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLES = FIXTURES / "articles"


def gold(stem: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / "gold" / f"{stem}.json").read_text(encoding="utf-8"))
    return list(data["claims"])


def first_paragraph(stem: str) -> str:
    return (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8").splitlines()[3][:80]


@dataclass
class GoldBackend:
    """Answers each fixture article with its gold claims (plus scripted extras/failures)."""

    name: str = "test"
    model: str = "gold-model"
    endpoint_host: str | None = "gold.test"
    prompt: PromptInfo = field(default_factory=lambda: PromptInfo("claims", "1", "a" * 64))
    temperature: float | None = 0.0
    max_tokens: int | None = 1000
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # instead of gold
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fail: dict[str, ExtractionError] = field(default_factory=dict)
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    invalid: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    def _stem(self, text: str) -> str:
        for path in sorted(ARTICLES.glob("*.txt")):
            if first_paragraph(path.stem) in text:
                return path.stem
        raise AssertionError("unknown article")

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        stem = self._stem(request.text)
        self.calls.append(stem)
        if self.delay:
            await asyncio.sleep(self.delay)
        if stem in self.fail:
            raise self.fail[stem]
        items = self.replies.get(stem, gold(stem)) + self.extra.get(stem, [])
        return BackendReply(
            claims=[ReplyClaim.model_validate(i) for i in items],
            raw_reply=json.dumps({"claims": items}),
            output_mode="json_schema",
            prompt_tokens=100,
            completion_tokens=50,
            attempts=1,
            latency_ms=12.5,
            invalid_items=list(self.invalid),
        )

    async def aclose(self) -> None:
        pass


def run(db: Database, backend: GoldBackend, *paths: Path, **kw: Any) -> Any:
    settings = Settings(database_url=db.url)
    paths_ = [str(p) for p in paths]
    return asyncio.run(extract_async(paths_, settings, database=db, backend=backend, **kw))


def stored_claims(db: Database, article_id: int) -> list[Claim]:
    with db.session() as s:
        return list(s.scalars(select(Claim).where(Claim.article_id == article_id)))


def test_fixture_articles_store_exactly_the_gold(database: Database) -> None:
    backend = GoldBackend()
    summary = run(database, backend, ARTICLES, concurrency=4)
    stems = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    total = sum(len(gold(s)) for s in stems)
    assert summary.as_json() == {
        "articles": len(stems),
        "extracted": len(stems),
        "skipped": 0,
        "failed": 0,
        "claims": summary.claims,
        "rejected": 0,
    }
    assert sorted(backend.calls) == stems
    with database.session() as s:
        for stem in stems:
            article = s.scalars(select(Article).where(Article.source.endswith(stem + ".txt"))).one()
            rows = s.execute(
                select(Claim, Actor).join(Actor).where(Claim.article_id == article.id)
            ).all()
            got = sorted(
                (a.name, c.speaker, c.quote, c.stance, c.attribution, c.claim, c.confidence)
                for c, a in rows
            )
            want = sorted(
                (
                    g["actor"],
                    g["speaker"],
                    g["quote"],
                    g["stance"],
                    g["attribution"],
                    g["claim"],
                    g["confidence"],
                )
                for g in gold(stem)
            )
            assert got == want, stem
            for claim, _actor in rows:
                assert article.text[claim.start : claim.end] == claim.quote
                assert claim.alignment == "exact"
        assert s.scalar(select(func.count()).select_from(Claim)) == summary.claims
        assert summary.claims == total
        runs = list(s.scalars(select(Run)))
    assert len(runs) == len(stems)
    run0 = runs[0]
    assert run0.status == "ok" and run0.backend == "test" and run0.model == "gold-model"
    assert run0.endpoint_host == "gold.test" and run0.prompt_sha256 == "a" * 64
    assert run0.output_mode == "json_schema" and run0.prompt_tokens == 100
    assert run0.latency_ms == 12.5 and run0.raw_reply and run0.finished_at is not None
    assert run0.params["grounding"]["fuzzy_threshold"] == 90


def test_gold_actors_are_stored_per_claim(database: Database) -> None:
    stem = "002_finland_sweden_no_application"
    run(database, GoldBackend(), ARTICLES / f"{stem}.txt")
    with database.session() as s:
        rows = s.execute(select(Claim.quote, Actor.name).join(Actor)).all()
    got = {(q, a) for q, a in rows}
    want = {(g["quote"], g["actor"]) for g in gold(stem)}
    assert got == want


def _said(actor: str, quote: str) -> dict[str, Any]:
    return dict(
        speaker=actor,
        actor=actor,
        actor_type="person",
        quote=quote,
        claim=f"{actor} said: {quote}",
        attribution="direct",
        rationale="test",
        stance="unrelated",
        confidence=0.9,
    )


@pytest.mark.parametrize("concurrency", [1, 4])
def test_bare_surnames_resolve_to_the_full_name_in_the_same_article(
    database: Database, concurrency: int
) -> None:
    """'Putin' before 'Vladimir Putin' is one actor; a 'Johnson' is whoever his article names."""
    boris, mark = "000_6e641d416cccd12d", "005_hungary_stalls_sweden"
    backend = GoldBackend(
        replies={
            boris: [
                _said("Putin", "Should we fight NATO then? Has anyone thought about it?"),
                _said("Vladimir Putin", "I hope that we will eventually find a solution"),
                _said("Johnson", "It is vital that Russia steps back and chooses a path"),
            ],
            mark: [_said("Johnson", "Orban has never said no to Sweden, and I doubt he ever")],
        }
    )
    summary = run(
        database,
        backend,
        ARTICLES / f"{boris}.txt",
        ARTICLES / f"{mark}.txt",
        concurrency=concurrency,
    )
    assert (summary.extracted, summary.claims, summary.rejected) == (2, 4, 0)
    with database.session() as s:
        rows = s.execute(
            select(Article.source, Claim.quote, Actor.name).join(Claim.article).join(Claim.actor)
        ).all()
        actors = sorted(s.scalars(select(Actor.name)))
    by_quote = {quote[:12]: (Path(source).stem, name) for source, quote, name in rows}
    assert by_quote == {
        "Should we fi": (boris, "Vladimir Putin"),
        "I hope that ": (boris, "Vladimir Putin"),
        "It is vital ": (boris, "Boris Johnson"),
        "Orban has ne": (mark, "Mark Johnson"),
    }
    assert actors == ["Boris Johnson", "Mark Johnson", "Vladimir Putin"]


def test_hallucinated_quote_is_rejected_not_stored(database: Database) -> None:
    stem = "001_kremlin_security_guarantees"
    fake = dict(gold(stem)[0], quote="NATO will dissolve itself by the end of next year")
    backend = GoldBackend(
        extra={stem: [fake]}, invalid=[({"speaker": "x", "quote": 3}, "quote: not a string")]
    )
    summary = run(database, backend, ARTICLES / f"{stem}.txt")
    assert summary.rejected == 2 and summary.claims == len(gold(stem))
    with database.session() as s:
        assert s.scalar(select(Claim).where(Claim.quote == fake["quote"])) is None
        reasons = {r.reason: r for r in s.scalars(select(RejectedClaim))}
        run_row = s.scalars(select(Run)).one()
    assert set(reasons) == {QUOTE_NOT_FOUND, INVALID_ITEM}
    assert reasons[QUOTE_NOT_FOUND].quote == fake["quote"]
    assert reasons[QUOTE_NOT_FOUND].payload["item"]["actor"] == fake["actor"]
    assert reasons[INVALID_ITEM].payload["detail"] == "quote: not a string"
    assert run_row.rejected_count == 2 and run_row.claims_count == len(gold(stem))


def test_same_span_from_same_actor_is_stored_once(database: Database) -> None:
    stem = "006_turkey_ratifies_finland"
    dup = dict(gold(stem)[0], speaker=gold(stem)[0]["actor"], claim="restated differently")
    summary = run(database, GoldBackend(extra={stem: [dup, dup]}), ARTICLES / f"{stem}.txt")
    assert summary.claims == len(gold(stem))
    with database.session() as s:
        spans = s.execute(select(Claim.actor_id, Claim.start, Claim.end)).all()
    assert len(spans) == len(set(spans)) == len(gold(stem))


def test_second_run_skips_and_force_reextracts_without_duplicates(database: Database) -> None:
    backend = GoldBackend()
    first = run(database, backend, ARTICLES)
    calls = len(backend.calls)
    again = run(database, backend, ARTICLES)
    assert len(backend.calls) == calls  # no request at all
    assert again.skipped == first.articles and again.extracted == 0 and again.claims == 0
    forced = run(database, backend, ARTICLES, force=True)
    assert len(backend.calls) == 2 * calls
    assert forced.extracted == first.articles and forced.claims == first.claims
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == first.claims
        assert s.scalar(select(func.count()).select_from(Run)) == 2 * first.articles
        latest = s.scalar(select(func.max(Run.id)))
        assert set(s.scalars(select(Claim.run_id))) <= set(
            s.scalars(select(Run.id).where(Run.id > latest - first.articles))
        )


def test_changed_model_or_prompt_is_not_skipped(database: Database) -> None:
    path = ARTICLES / "008_sweden_joins_nato.txt"
    run(database, GoldBackend(), path)
    other = GoldBackend(model="other-model")
    assert run(database, other, path).extracted == 1
    prompt2 = GoldBackend(prompt=PromptInfo("claims", "2", "b" * 64))
    assert run(database, prompt2, path).extracted == 1
    assert cache_key("t", "p", "m", "x") != cache_key("t", "p", "m", "y")


def test_same_text_twice_in_one_batch_is_requested_once(database: Database, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    src = ARTICLES / "004_madrid_summit_turkey_lifts_veto.txt"
    copy.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    backend = GoldBackend(delay=0.05)
    summary = run(database, backend, src, copy, concurrency=4, force=True)
    assert backend.calls == ["004_madrid_summit_turkey_lifts_veto"]
    assert (summary.articles, summary.extracted, summary.skipped) == (2, 1, 1)


def test_one_failing_article_does_not_stop_the_others(database: Database) -> None:
    bad = "003_finland_sweden_apply_turkey_objects"
    error = ExtractionError(
        "reply invalid after 3 attempts", attempts=3, prompt_tokens=7, last_raw="{oops"
    )
    failures: list[tuple[str, str]] = []
    backend = GoldBackend(fail={bad: error})
    summary = run(
        database,
        backend,
        ARTICLES,
        observer=ExtractObserver(on_article_failed=lambda s, m: failures.append((s, m))),
    )
    assert summary.failed == 1 and summary.extracted == summary.articles - 1
    assert not summary.ok and summary.fatal is None
    assert failures and failures[0][0].endswith(bad + ".txt")
    with database.session() as s:
        failed = s.scalars(select(Run).where(Run.status == "failed")).one()
    assert failed.error == "reply invalid after 3 attempts"
    assert (failed.attempts, failed.prompt_tokens, failed.raw_reply) == (3, 7, "{oops")
    # A failed run does not count as done: the next batch retries only that article.
    backend.fail.clear()
    backend.calls.clear()
    again = run(database, backend, ARTICLES)
    assert backend.calls == [bad] and again.extracted == 1


def test_fatal_error_stops_the_batch(database: Database) -> None:
    stems = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    fatal = ExtractionError("HTTP 401: invalid API key", fatal=True)
    backend = GoldBackend(fail={s: fatal for s in stems}, delay=0.01)
    summary = run(database, backend, ARTICLES, concurrency=1)
    assert summary.fatal == "HTTP 401: invalid API key"
    assert len(backend.calls) == 1 and summary.failed == 1


def test_failed_extraction_keeps_previous_claims(database: Database) -> None:
    path = ARTICLES / "005_hungary_stalls_sweden.txt"
    first = run(database, GoldBackend(), path)
    stem = path.stem
    broken = GoldBackend(fail={stem: ExtractionError("timeout")})
    assert run(database, broken, path, force=True).failed == 1
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == first.claims


def test_interrupted_batch_keeps_committed_work(database: Database) -> None:
    backend = GoldBackend(delay=0.3)
    backend.fail["000_6e641d416cccd12d"] = ExtractionError("quick failure")
    settings = Settings(database_url=database.url)

    async def main() -> Any:
        loop = asyncio.get_running_loop()

        def progress(summary: Any) -> None:
            # Two articles done: the next two are being requested; cancel mid-flight.
            if summary.extracted + summary.failed_articles == 2:
                loop.call_later(0.05, task.cancel)

        task = asyncio.ensure_future(
            extract_async(
                [str(ARTICLES)],
                settings,
                database=database,
                backend=backend,
                concurrency=2,
                observer=ExtractObserver(on_progress=progress),
            )
        )
        return await task

    summary = asyncio.run(main())
    assert summary.interrupted
    with database.session() as s:
        runs = s.scalar(select(func.count()).select_from(Run))
    # What finished is committed and counted; what was in flight was abandoned unrecorded.
    assert runs == summary.extracted + summary.failed_articles >= 2
    assert runs < len(backend.calls) < 9


def test_mode_store_remembers_per_endpoint(database: Database) -> None:
    store = DbModeStore(database)
    assert store.get("http://a/v1", "m") is None
    store.set("http://a/v1", "m", "json_object")
    store.set("http://a/v1", "m", "json_schema")
    assert DbModeStore(database).get("http://a/v1", "m") == "json_schema"
    assert DbModeStore(database).get("http://a/v1", "other") is None


@pytest.mark.parametrize("concurrency", [1, 8])
def test_concurrency_bounds_requests_in_flight(sqlite_url: str, concurrency: int) -> None:
    in_flight = 0
    peak = 0

    class Counting(GoldBackend):
        async def extract(self, request: ExtractionRequest) -> BackendReply:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                await asyncio.sleep(0.2)
                return await super().extract(request)
            finally:
                in_flight -= 1

    db = Database(sqlite_url)
    try:
        summary = run(db, Counting(), ARTICLES, concurrency=concurrency)
    finally:
        db.dispose()
    assert summary.extracted == 9
    assert peak == min(concurrency, 9)

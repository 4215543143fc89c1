"""`extract --batch-api` and `batches collect` against the Batch API stub on 127.0.0.1.

The stub answers each batched request exactly as it answers a live one, so batch and live
runs of the same articles must store the same claims.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from batch_api_stub import BatchPlan
from extract_helpers import ARTICLES, STEMS, gold_responder, marker
from sqlalchemy import func, select
from stub_server import HttpError, StubServer

from stancetrack.db import Database
from stancetrack.db.models import ApiBatch, ApiBatchItem, Article, Claim, Run


def _claims(url: str) -> list[tuple[Any, ...]]:
    db = Database(url)
    try:
        with db.sessions() as session:
            rows = session.execute(
                select(
                    Article.sha256,
                    Claim.quote,
                    Claim.start,
                    Claim.end,
                    Claim.stance,
                    Claim.speaker,
                    Claim.alignment,
                    Claim.target,
                ).join(Article, Article.id == Claim.article_id)
            ).all()
    finally:
        db.dispose()
    return sorted(tuple(r) for r in rows)


def _scalar(url: str, stmt: Any) -> Any:
    db = Database(url)
    try:
        with db.sessions() as session:
            return session.scalar(stmt)
    finally:
        db.dispose()


def _runs(url: str) -> list[Run]:
    db = Database(url)
    try:
        with db.sessions() as session:
            runs = list(session.scalars(select(Run).order_by(Run.id)))
            for run in runs:
                session.expunge(run)
            return runs
    finally:
        db.dispose()


def _base(stub: StubServer, url: str) -> list[str]:
    return ["--base-url", stub.base_url, "--db", url, "--format", "json"]


def test_batch_then_collect_stores_what_live_stores(cli: Any, db_url: str, tmp_path: Path) -> None:
    live_url = f"sqlite:///{tmp_path / 'live.db'}"
    with StubServer(default=gold_responder()) as stub:
        live = cli(["extract", ARTICLES, *_base(stub, live_url)])
        assert live.exit_code == 0, live.stderr
        live_requests = [r.json for r in stub.chat_requests]

        sent = cli(["extract", ARTICLES, "--batch-api", *_base(stub, db_url)])
        assert sent.exit_code == 0, sent.stderr
        summary = json.loads(sent.stdout)
        assert summary["submitted"] == len(STEMS) and len(summary["batches"]) == 1
        assert len(stub.chat_requests) == len(live_requests)  # nothing asked live

        # The batch file holds exactly the live path's requests, keyed by cache key.
        batch = stub.batch_api.batches[summary["batches"][0]]
        lines = [json.loads(x) for x in stub.batch_api.files[batch.input_file_id].splitlines()]
        assert sorted(json.dumps(x["body"], sort_keys=True) for x in lines) == sorted(
            json.dumps(r, sort_keys=True) for r in live_requests
        )
        assert {x["url"] for x in lines} == {"/v1/chat/completions"}

        listed = json.loads(cli(["batches", *_base(stub, db_url)]).stdout)
        assert listed[0]["status"] == "validating" and listed[0]["articles"] == {
            "pending": len(STEMS)
        }
        first = json.loads(cli(["batches", "collect", *_base(stub, db_url)]).stdout)
        assert first["stored"] == 0 and first["waiting"] == [summary["batches"][0]]

        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, db_url)])
        assert done.exit_code == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["stored"] == len(STEMS) and result["live"] == 0
        assert len(stub.chat_requests) == len(live_requests)  # still nothing asked live

        assert _claims(db_url) == _claims(live_url)
        assert _claims(db_url)  # the gold replies do ground: something was compared
        runs = _runs(db_url)
        assert {r.params["via"] for r in runs} == {"batch-api"}
        assert {r.params["batch"] for r in runs} == {summary["batches"][0]}
        assert {r.cache_key for r in runs} == {r.cache_key for r in _runs(live_url)}

        # Collecting again, or extracting again, stores and sends nothing.
        again = json.loads(cli(["batches", "collect", *_base(stub, db_url)]).stdout)
        assert again["stored"] == 0 and again["batches"] == 0
        resent = json.loads(cli(["extract", ARTICLES, "--batch-api", *_base(stub, db_url)]).stdout)
        assert resent["submitted"] == 0 and resent["skipped"] == len(STEMS)
        assert len(_runs(db_url)) == len(STEMS)


def test_split_by_requests_and_bytes(cli: Any, sqlite_url: str) -> None:
    import asyncio

    from stancetrack.scaleout.batch_files import Limits
    from stancetrack.scaleout.batch_submit import submit
    from stancetrack.settings import load_settings

    with StubServer(default=gold_responder()) as stub:
        settings = load_settings(database_url=sqlite_url, openai_base_url=stub.base_url)
        db = Database(sqlite_url)
        try:
            by_count = asyncio.run(submit(db, [str(ARTICLES)], settings, limits=Limits(4, 10**9)))
            files = [
                stub.batch_api.files[stub.batch_api.batches[b].input_file_id]
                for b in by_count.batches
            ]
            assert [len(f.splitlines()) for f in files] == [4, 4, 1]
        finally:
            db.dispose()
    with StubServer(default=gold_responder()) as stub:
        url2 = sqlite_url.replace("test.db", "bytes.db")
        settings = load_settings(database_url=url2, openai_base_url=stub.base_url)
        db = Database(url2)
        try:
            biggest = max(
                len(json.dumps(r))
                for r in [{"x": (ARTICLES / f"{s}.txt").read_text()} for s in STEMS]
            )
            limit = Limits(10**6, 3 * biggest + 20_000)
            by_bytes = asyncio.run(submit(db, [str(ARTICLES)], settings, limits=limit))
            sizes = [
                len(stub.batch_api.files[stub.batch_api.batches[b].input_file_id])
                for b in by_bytes.batches
            ]
            assert len(sizes) > 1 and max(sizes) <= limit.max_bytes
            assert by_bytes.submitted == len(STEMS)
        finally:
            db.dispose()


def test_errors_malformed_lines_and_reasks_go_live(cli: Any, db_url: str) -> None:
    stems = STEMS[:4]
    broken, erroring = stems[0], stems[1]
    seen: dict[str, int] = {}
    with StubServer(default=gold_responder()) as stub:
        responder = gold_responder()

        def respond(body: dict[str, Any]) -> Any:
            # The first answer (the batch's) about these two is bad; the live ones are good.
            text = "\n".join(str(m.get("content")) for m in body.get("messages", []))
            for stem in (broken, erroring):
                if marker(stem) in text:
                    seen[stem] = seen.get(stem, 0) + 1
                    if seen[stem] == 1:
                        return "this is not JSON" if stem == broken else HttpError(500, "busy")
            return responder(body)

        stub.default = respond
        stub.batch_api.plan(BatchPlan(malformed=1))
        paths = [str(ARTICLES / f"{s}.txt") for s in stems]
        sent = cli(["extract", *paths, "--batch-api", *_base(stub, db_url)])
        assert sent.exit_code == 0, sent.stderr
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, db_url)])
        assert done.exit_code == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["malformed"] == 1 and "malformed line" in done.stderr
        assert result["live"] == 2 and result["stored"] == 4
        asked_live = {s for s in stems for r in stub.chat_requests if marker(s) in r.prompt_text()}
        assert asked_live == {broken, erroring}
        runs = _runs(db_url)
        assert len(runs) == 4 and {r.status for r in runs} == {"ok"}
        via = sorted(r.params["via"] for r in runs)
        assert via == ["batch-api", "batch-api", "live-after-batch-api", "live-after-batch-api"]


def test_a_fatal_error_in_the_live_reruns_leaves_the_rest_for_the_next_collect(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live re-runs are a run of the collect's engine: a fatal error (HTTP 401) stops
    it, so the articles it did not ask stay `live` and the batch open; the next collect
    asks them."""
    monkeypatch.setenv("STANCETRACK_CONCURRENCY", "1")  # one live request at a time
    stems = STEMS[:4]
    erroring = set(stems[:2])
    asked: dict[str, int] = {}
    responder = gold_responder()
    live_key = {"bad": True}

    def respond(body: dict[str, Any]) -> Any:
        text = "\n".join(str(m.get("content")) for m in body.get("messages", []))
        for stem in erroring:
            if marker(stem) in text:
                asked[stem] = asked.get(stem, 0) + 1
                if asked[stem] == 1:
                    return HttpError(500, "busy")  # the batch's request: goes live
                if live_key["bad"]:
                    return HttpError(401, "invalid api key")
        return responder(body)

    with StubServer(default=respond) as stub:
        paths = [str(ARTICLES / f"{s}.txt") for s in stems]
        sent = cli(["extract", *paths, "--batch-api", *_base(stub, sqlite_url)])
        assert sent.exit_code == 0, sent.stderr
        first = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)])
        result = json.loads(first.stdout)
        assert result["stored"] == 2 and result["failed"] == 1 and result["live"] == 1
        assert "live re-runs stopped" in first.stderr
        assert _scalar(sqlite_url, select(ApiBatch.collected_at)) is None
        states = _scalar(
            sqlite_url,
            select(func.count()).select_from(ApiBatchItem).where(ApiBatchItem.state == "live"),
        )
        assert states == 1  # the article the stopped run never asked

        live_key["bad"] = False
        second = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)])
        assert second.exit_code == 0, second.stderr
        again = json.loads(second.stdout)
        assert again["live"] == 1 and again["stored"] == 1 and again["collected"] == 1
    assert _scalar(sqlite_url, select(ApiBatch.collected_at)) is not None
    runs = _runs(sqlite_url)
    assert sorted(r.status for r in runs) == ["failed", "ok", "ok", "ok"]
    assert sum(1 for s in stems if asked.get(s, 0) > 0) == 2


@pytest.mark.parametrize("final", ["failed", "expired", "cancelled"])
def test_closed_batches_are_reported_and_resubmittable(
    cli: Any, sqlite_url: str, final: str
) -> None:
    with StubServer(default=gold_responder()) as stub:
        stub.batch_api.plan(BatchPlan(final=final if final != "cancelled" else "completed", done=3))
        sent = json.loads(
            cli(["extract", ARTICLES, "--batch-api", *_base(stub, sqlite_url)]).stdout
        )
        provider_id = sent["batches"][0]
        if final == "cancelled":
            cancelled = cli(["batches", "cancel", provider_id, *_base(stub, sqlite_url)[:4]])
            assert json.loads(cancelled.stdout)["status"] == "cancelling"
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)])
        assert done.exit_code == 0, done.stderr
        result = json.loads(done.stdout)
        answered = 0 if final == "failed" else 3
        assert result["stored"] == answered
        assert result["unfinished"] == len(STEMS) - answered
        assert final in done.stderr and "resubmit" in done.stderr
        listed = json.loads(cli(["batches", *_base(stub, sqlite_url)]).stdout)
        assert listed[0]["status"] == final
        assert listed[0]["articles"].get("unfinished") == len(STEMS) - answered

        again = cli(["batches", "resubmit", *_base(stub, sqlite_url)[:4]])
        assert again.exit_code == 0, again.stderr
        assert len(json.loads(again.stdout)["batches"]) == 1
        done = json.loads(
            cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)]).stdout
        )
        assert done["stored"] == len(STEMS) - answered
        assert len(_runs(sqlite_url)) == len(STEMS)
        assert _scalar(sqlite_url, select(func.count()).select_from(Claim)) > 0
        assert stub.chat_requests == []  # everything went through batches


def test_crash_between_upload_and_create_is_recovered(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancetrack.scaleout import batch_provider

    real_create = batch_provider.Provider.create

    async def crash(self: Any, *args: Any) -> Any:
        raise KeyboardInterrupt  # the process dies after the upload

    with StubServer(default=gold_responder()) as stub:
        monkeypatch.setattr(batch_provider.Provider, "create", crash)
        sent = cli(["extract", ARTICLES, "--batch-api", *_base(stub, sqlite_url)])
        assert sent.exit_code == 130
        assert stub.batch_api.batches == {} and len(stub.batch_api.files) == 1
        monkeypatch.setattr(batch_provider.Provider, "create", real_create)
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)])
        assert done.exit_code == 0, done.stderr
        assert "interrupted after its upload" in done.stderr
        assert json.loads(done.stdout)["stored"] == len(STEMS)
        assert len(stub.batch_api.batches) == 1 and len(_runs(sqlite_url)) == len(STEMS)


def test_crash_after_create_adopts_the_batch(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch was created but its id never recorded: found again, not created twice."""
    from stancetrack.scaleout import batch_jobs

    real = batch_jobs.create_from_file

    async def created_then_crash(db: Any, provider: Any, batch_id: int, file_id: str) -> str:
        await provider.create(file_id, batch_id)
        raise KeyboardInterrupt

    with StubServer(default=gold_responder()) as stub:
        monkeypatch.setattr(batch_jobs, "create_from_file", created_then_crash)
        assert cli(["extract", ARTICLES, "--batch-api", *_base(stub, sqlite_url)]).exit_code == 130
        monkeypatch.setattr(batch_jobs, "create_from_file", real)
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, sqlite_url)])
        assert done.exit_code == 0, done.stderr
        assert "recovered" in done.stderr
        assert json.loads(done.stdout)["stored"] == len(STEMS)
        assert len(stub.batch_api.batches) == 1


def test_crash_mid_collect_stores_nothing_twice(
    cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancetrack.scaleout import batch_collect

    with StubServer(default=gold_responder()) as stub:
        assert cli(["extract", ARTICLES, "--batch-api", *_base(stub, db_url)]).exit_code == 0
        monkeypatch.setattr(batch_collect, "GROUP", 2)
        real = batch_collect._Harvest.handle
        calls = {"n": 0}

        async def dies_on_third(self: Any, results: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                # the runs of this group are stored, their items not yet marked: a crash
                for result in results:
                    key = result.custom_id
                    with self.db.sessions() as session:
                        found = batch_collect.repo.items_with_articles(
                            session, self.batch.id, [key]
                        )
                    item, article = found[key]
                    answer = await self.answer_of(item, article, [result])
                    assert isinstance(answer, batch_collect.Answered)
                    await self.engine.store_replies([answer])
                raise KeyboardInterrupt
            await real(self, results)

        monkeypatch.setattr(batch_collect._Harvest, "handle", dies_on_third)
        crashed = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, db_url)])
        assert crashed.exit_code == 130
        monkeypatch.setattr(batch_collect._Harvest, "handle", real)
        done = cli(["batches", "collect", "--wait", "--poll", "0.01", *_base(stub, db_url)])
        assert done.exit_code == 0, done.stderr
        runs = _runs(db_url)
        assert len(runs) == len(STEMS) and len({r.cache_key for r in runs}) == len(STEMS)
        states = _scalar(
            db_url,
            select(func.count()).select_from(ApiBatchItem).where(ApiBatchItem.state == "stored"),
        )
        assert states == len(STEMS)
        assert _scalar(db_url, select(ApiBatch.collected_at)) is not None

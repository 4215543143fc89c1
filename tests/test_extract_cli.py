"""`stancetrack extract` and `stancetrack runs` end to end: the real openai client talking to
the stub server on 127.0.0.1, real SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import ARTICLES, STEMS, asked, gold, gold_responder, marker
from sqlalchemy import func, select
from stub_server import HttpError, StubServer

from stancetrack.db import Database
from stancetrack.db.models import Actor, Article, Claim, RejectedClaim, Run

SECRET = "sk-test-very-secret-key-0123456789"
SUMMARY_KEYS = ["articles", "extracted", "skipped", "failed", "claims", "rejected"]


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def extract(cli: Any, stub: StubServer, db_url: str, *args: Any) -> tuple[Any, Any]:
    result = cli(
        [
            "extract",
            *args,
            "--base-url",
            stub.base_url,
            "--model",
            "stub-model",
            "--db",
            db_url,
            "--format",
            "json",
        ]
    )
    summary = json.loads(result.stdout) if result.stdout.strip() else None
    return result, summary


def test_fixture_articles_become_the_gold_claims(cli: Any, stub: StubServer, db_url: str) -> None:
    stub.default = gold_responder()
    result, summary = extract(cli, stub, db_url, ARTICLES, "--concurrency", "4")
    assert result.exit_code == 0, result.stderr
    assert list(summary) == SUMMARY_KEYS
    total = sum(len(gold(s)) for s in STEMS)
    assert summary == {
        "articles": 9,
        "extracted": 9,
        "skipped": 0,
        "failed": 0,
        "claims": total,
        "rejected": 0,
    }
    assert sorted(asked(stub.chat_requests)) == STEMS
    db = Database(db_url)
    try:
        with db.session() as s:
            for stem in STEMS:
                article = s.scalars(
                    select(Article).where(Article.source.endswith(stem + ".txt"))
                ).one()
                rows = s.execute(
                    select(Claim, Actor.name).join(Actor).where(Claim.article_id == article.id)
                ).all()
                got = sorted(
                    (n, c.speaker, c.quote, c.stance, c.attribution, c.confidence) for c, n in rows
                )
                want = sorted(
                    (
                        g["actor"],
                        g["speaker"],
                        g["quote"],
                        g["stance"],
                        g["attribution"],
                        g["confidence"],
                    )
                    for g in gold(stem)
                )
                assert got == want, stem
                for claim, _ in rows:
                    assert article.text[claim.start : claim.end] == claim.quote
            run = s.scalars(select(Run).order_by(Run.id)).first()
            assert run is not None
            assert (run.backend, run.model, run.status) == ("openai", "stub-model", "ok")
            assert run.endpoint_host == f"127.0.0.1:{stub.port}"
            assert run.prompt_tokens > 0 and run.completion_tokens > 0 and run.attempts == 1
            assert run.output_mode == "json_schema" and len(run.prompt_sha256) == 64
    finally:
        db.dispose()
    assert SECRET not in result.stdout + result.stderr


def test_rerun_sends_nothing_and_force_reextracts_without_duplicates(
    cli: Any, stub: StubServer, sqlite_url: str
) -> None:
    stub.default = gold_responder()
    first, s1 = extract(cli, stub, sqlite_url, ARTICLES)
    assert first.exit_code == 0, first.stderr
    sent = len(stub.chat_requests)
    again, s2 = extract(cli, stub, sqlite_url, ARTICLES)
    assert again.exit_code == 0
    assert len(stub.chat_requests) == sent
    assert s2 == {**s1, "extracted": 0, "skipped": 9, "claims": 0}
    forced, s3 = extract(cli, stub, sqlite_url, ARTICLES, "--force")
    assert forced.exit_code == 0
    assert len(stub.chat_requests) == 2 * sent
    assert s3 == s1
    db = Database(sqlite_url)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Claim)) == s1["claims"]
            assert s.scalar(select(func.count()).select_from(Run)) == 18
    finally:
        db.dispose()


def test_hallucinated_quote_is_rejected_and_shown_on_the_run(
    cli: Any, stub: StubServer, db_url: str
) -> None:
    stem = "002_finland_sweden_no_application"
    fake = dict(gold(stem)[0], quote="Finland will never, under any circumstances, join NATO")
    stub.queue({"claims": [*gold(stem), fake]})
    result, summary = extract(cli, stub, db_url, ARTICLES / f"{stem}.txt")
    assert result.exit_code == 0, result.stderr
    assert summary["claims"] == len(gold(stem)) and summary["rejected"] == 1
    runs = json.loads(cli(["runs", "--db", db_url, "--format", "json"]).stdout)
    assert [r["rejected"] for r in runs] == [1]
    shown = cli(["runs", "show", str(runs[0]["id"]), "--db", db_url, "--format", "json"])
    data = json.loads(shown.stdout)
    assert data["rejected_claims"][0]["reason"] == "quote not found in article"
    assert data["rejected_claims"][0]["quote"] == fake["quote"]
    assert fake["quote"] in data["raw_reply"]
    db = Database(db_url)
    try:
        with db.session() as s:
            assert s.scalar(select(Claim.id).where(Claim.quote == fake["quote"])) is None
            assert s.scalar(select(func.count()).select_from(RejectedClaim)) == 1
    finally:
        db.dispose()


def test_curly_quotes_and_doubled_spaces_are_grounded(
    cli: Any, stub: StubServer, sqlite_url: str, tmp_path: Path
) -> None:
    article = tmp_path / "curly.txt"
    article.write_text(
        "Minister backs bid\n20230301\nhttps://example.com/curly\n"
        "The minister said: “Finland’s  place is in NATO — and soon.”\n"
        "Officials declined to comment.\n",
        encoding="utf-8",
    )
    claim = {
        "speaker": "The minister",
        "actor": "Unnamed minister",
        "actor_type": "person",
        "quote": '"Finland\'s place is in NATO - and soon."',
        "claim": "The minister said Finland should join NATO soon.",
        "attribution": "direct",
        "rationale": "Argues for membership.",
        "stance": "support",
        "confidence": 0.9,
    }
    stub.queue({"claims": [claim]})
    result, summary = extract(cli, stub, sqlite_url, article)
    assert result.exit_code == 0 and summary["claims"] == 1, result.stderr
    claims = json.loads(cli(["runs", "--db", sqlite_url, "--format", "json"]).stdout)
    assert claims[0]["claims"] == 1
    db = Database(sqlite_url)
    try:
        with db.session() as s:
            stored = s.scalars(select(Claim)).one()
            text = s.scalars(select(Article.text)).one()
    finally:
        db.dispose()
    assert stored.quote == "Finland’s  place is in NATO — and soon."
    assert text[stored.start : stored.end] == stored.quote
    assert stored.alignment == "normalized"


def test_one_failing_article_does_not_stop_the_others(
    cli: Any, stub: StubServer, db_url: str
) -> None:
    bad = "004_madrid_summit_turkey_lifts_veto"
    stub.default = gold_responder(**{bad: "this is not JSON, sorry"})
    result, summary = extract(cli, stub, db_url, ARTICLES, "-c", "3")
    assert result.exit_code == 1
    assert summary["failed"] == 1 and summary["extracted"] == 8
    assert summary["claims"] == sum(len(gold(s)) for s in STEMS if s != bad)
    assert f"{bad}.txt" in result.stderr and "failed" in result.stderr
    failed = json.loads(
        cli(["runs", "--status", "failed", "--db", db_url, "--format", "json"]).stdout
    )
    assert len(failed) == 1 and failed[0]["attempts"] >= 2 and failed[0]["error"]
    # The next run asks only for the failed article.
    stub.default = gold_responder()
    before = len(stub.chat_requests)
    again, s2 = extract(cli, stub, db_url, ARTICLES)
    assert again.exit_code == 0 and s2["extracted"] == 1 and s2["skipped"] == 8
    assert asked(stub.chat_requests[before:]) == [bad]


def test_unreadable_input_fails_the_exit_code_but_not_the_batch(
    cli: Any, stub: StubServer, sqlite_url: str, tmp_path: Path
) -> None:
    stub.default = gold_responder()
    missing = tmp_path / "missing.txt"
    result, summary = extract(cli, stub, sqlite_url, missing, ARTICLES / f"{STEMS[0]}.txt")
    assert result.exit_code == 1
    assert summary["articles"] == 1 and summary["extracted"] == 1 and summary["failed"] == 1
    assert str(missing) in result.stderr


def test_bad_key_stops_the_batch_with_one_line(cli: Any, stub: StubServer, sqlite_url: str) -> None:
    stub.default = lambda _body: HttpError(401, "Incorrect API key provided: sk-tes***")
    result, summary = extract(cli, stub, sqlite_url, ARTICLES, "-c", "1")
    assert result.exit_code == 1
    assert len(stub.chat_requests) == 1
    assert summary["extracted"] == 0 and summary["failed"] == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("stopped" in line for line in errors)
    assert "Traceback" not in result.stderr and SECRET not in result.stderr


def test_runs_never_show_the_key_and_filter_by_article(
    cli: Any, stub: StubServer, sqlite_url: str
) -> None:
    stub.default = gold_responder()
    extract(cli, stub, sqlite_url, ARTICLES / f"{STEMS[1]}.txt", ARTICLES / f"{STEMS[2]}.txt")
    for fmt in ("json", "jsonl", "csv", "table"):
        out = cli(["runs", "--db", sqlite_url, "--format", fmt])
        assert out.exit_code == 0 and SECRET not in out.stdout
    only = json.loads(
        cli(
            [
                "runs",
                "--article",
                str(ARTICLES / f"{STEMS[2]}.txt"),
                "--db",
                sqlite_url,
                "-f",
                "json",
            ]
        ).stdout
    )
    assert len(only) == 1 and marker(STEMS[2])  # one run for that article
    assert json.loads(cli(["runs", "-n", "1", "--db", sqlite_url, "-f", "json"]).stdout)[0][
        "id"
    ] == max(r["id"] for r in json.loads(cli(["runs", "--db", sqlite_url, "-f", "json"]).stdout))
    missing = cli(["runs", "show", "999", "--db", sqlite_url])
    assert missing.exit_code == 1 and "no run with id 999" in missing.stderr


def test_auto_without_endpoint_uses_rules_with_a_notice(
    cli: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = cli(["extract", ARTICLES / f"{STEMS[0]}.txt", "--db", sqlite_url, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert "offline rules" in result.stderr and "note:" in result.stderr
    summary = json.loads(result.stdout)
    assert list(summary) == SUMMARY_KEYS and summary["extracted"] == 1


def test_bad_options_are_usage_errors(cli: Any, sqlite_url: str) -> None:
    assert cli(["extract", ARTICLES, "--backend", "magic", "--db", sqlite_url]).exit_code == 2
    assert cli(["extract", ARTICLES, "--concurrency", "0", "--db", sqlite_url]).exit_code == 2


def test_stdin_article_is_extracted(cli: Any, stub: StubServer, sqlite_url: str) -> None:
    stem = STEMS[0]
    stub.default = gold_responder()
    data = (ARTICLES / f"{stem}.txt").read_bytes()
    result = cli(
        ["extract", "-", "--base-url", stub.base_url, "--db", sqlite_url, "-f", "json"],
        stdin=data,
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["extracted"] == 1 and summary["claims"] == len(gold(stem))


def test_library_api_extracts_like_the_cli(stub: StubServer, sqlite_url: str) -> None:
    import stancetrack

    stub.default = gold_responder()
    path = ARTICLES / f"{STEMS[3]}.txt"
    summary = stancetrack.extract(path, db=sqlite_url, base_url=stub.base_url)
    assert summary.as_json() == {
        "articles": 1,
        "extracted": 1,
        "skipped": 0,
        "failed": 0,
        "claims": len(gold(STEMS[3])),
        "rejected": 0,
    }
    again = stancetrack.extract([path], db=sqlite_url, base_url=stub.base_url)
    assert again.skipped == 1 and len(stub.chat_requests) == 1
    # Every option that sets a setting is a keyword, as on the command line.
    forced = stancetrack.extract(
        [path], db=sqlite_url, base_url=stub.base_url, max_tokens=77, temperature=0.5, force=True
    )
    assert forced.extracted == 1 and len(stub.chat_requests) == 2
    sent = stub.chat_requests[-1].json
    assert sent["max_tokens"] == 77 and sent["temperature"] == 0.5

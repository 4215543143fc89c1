"""End to end through a real OpenAI-compatible server: llama-cpp-python with Gemma 3 270M.

The stub server says what we believe servers do; this checks it against a real one, offline:
`stancetrack extract` and `stancetrack check` run as real subprocesses (the installed CLI,
the real openai client) against ``python -m llama_cpp.server`` on 127.0.0.1.

What must hold whatever the model says (it is a 270M *base* model: it mostly copies the
prompt's worked example, whose quotes are not in the article, so expect rejections):

- extract exits 0 when the article's run succeeded (even if every claim was rejected:
  rejections are results, recorded with reasons) and 1 when it failed (e.g. no usable JSON
  within the token limit: a failed run is recorded with its error). The summary, the exit
  code and the run record agree.
- the server rejects ``json_schema`` (HTTP 500) and the run records ``json_object``;
- every stored claim's quote is the article text at its offsets; every rejection has a reason;
- prompt tokens and latency are on the run;
- a second run of a succeeded article sends no request (skipped); a failed one is retried.
- ``stancetrack check`` reports json_object accepted and json_schema rejected.

Needs the `local` extra (``pip install -e ".[test,local]"``). Skipped when it is missing,
except under CI (``CI`` set), where a missing extra fails the test instead.
Budget: ~1.5 s server start, ~60 s for the one extraction on 2 cores (prompt evaluation
~14 s, grammar set-up ~15 s, ~85 ms per generated token under the JSON grammar), ~20 s check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES
from llama_server import MODEL_ALIAS, LlamaServer, gguf_path, llama_available
from sqlalchemy import func, select

from stancetrack.db import Database
from stancetrack.db.models import Article, Claim, RejectedClaim, Run

pytestmark = pytest.mark.llama

ARTICLE = FIXTURES / "articles" / "000_6e641d416cccd12d.txt"
CHAT = "/v1/chat/completions"
# Bounded so the whole module stays well under three minutes on 2 cores.
EXTRACT_ENV = {
    "STANCETRACK_MAX_TOKENS": "256",  # the reply is cut off; complete claims are salvaged
    "STANCETRACK_MAX_REASKS": "0",
    "STANCETRACK_MAX_RETRIES": "0",
    "STANCETRACK_REQUEST_TIMEOUT": "180",
    "STANCETRACK_CONCURRENCY": "1",
}
SUBPROCESS_TIMEOUT = 240


def _require_local_extra() -> None:
    missing = llama_available()
    if missing is None:
        return
    message = f"the `local` extra is not installed: {missing}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run the llama test: install '.[test,local]')")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    _require_local_extra()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with LlamaServer(gguf_path(), log) as running:
        print(f"\nllama server ready in {running.startup_seconds:.2f}s on {running.base_url}")
        yield running


def stancetrack(
    *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed CLI in a subprocess (same interpreter as the tests)."""
    script = Path(sys.executable).with_name("stancetrack")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "stancetrack"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANCETRACK_", "OPENAI_"))}
    env.update(extra_env or {})
    return subprocess.run(
        [*command, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


@dataclass
class ExtractRun:
    result: subprocess.CompletedProcess[str]
    summary: dict[str, int]
    seconds: float
    chat_before: int
    chat_after: list[tuple[str, str, int]]


@pytest.fixture(scope="module")
def llama_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('llama-db') / 'x.db'}"


def run_extract(server: LlamaServer, llama_db: str) -> ExtractRun:
    before = len(server.chat_requests())
    started = time.monotonic()
    result = stancetrack(
        "extract",
        str(ARTICLE),
        "--backend",
        "openai",
        "--base-url",
        server.base_url,
        "--model",
        MODEL_ALIAS,
        "--db",
        llama_db,
        "--format",
        "json",
        extra_env=EXTRACT_ENV,
    )
    seconds = time.monotonic() - started
    assert result.stdout.strip(), f"no summary; stderr:\n{result.stderr}\n{server.log_tail()}"
    summary = json.loads(result.stdout)
    return ExtractRun(result, summary, seconds, before, server.chat_requests()[before:])


@pytest.fixture(scope="module")
def first(server: LlamaServer, llama_db: str) -> ExtractRun:
    run = run_extract(server, llama_db)
    print(f"first extract: {run.seconds:.1f}s, exit {run.result.returncode}, {run.summary}")
    return run


def test_first_run_outcome_is_consistent(first: ExtractRun, server: LlamaServer) -> None:
    summary, code = first.summary, first.result.returncode
    assert list(summary) == ["articles", "extracted", "skipped", "failed", "claims", "rejected"]
    assert summary["articles"] == 1 and summary["skipped"] == 0
    assert summary["extracted"] + summary["failed"] == 1
    # Documented exit codes: 0 when the article's run succeeded, 1 when it failed.
    assert code == (0 if summary["extracted"] == 1 else 1), first.result.stderr
    if code == 1:
        assert "000_6e641d416cccd12d.txt" in first.result.stderr
    assert "Traceback" not in first.result.stderr
    # The server refused json_schema with HTTP 500, then served json_object (no retries of
    # the refusal, no third request: re-asks and retries are off).
    statuses = [status for _method, _path, status in first.chat_after]
    assert statuses == [500, 200], server.log_tail()
    assert "json_schema" in server.log_text()


def test_run_record(first: ExtractRun, server: LlamaServer, llama_db: str) -> None:
    db = Database(llama_db)
    try:
        with db.session() as session:
            runs = session.scalars(select(Run)).all()
            assert len(runs) == 1
            run = runs[0]
            assert run.status == ("ok" if first.result.returncode == 0 else "failed")
            assert run.backend == "openai" and run.model == MODEL_ALIAS
            assert run.endpoint_host == f"127.0.0.1:{server.port}"
            assert run.output_mode == "json_object"  # negotiated: json_schema was refused
            assert run.attempts == 2
            assert run.prompt_tokens > 0 and run.completion_tokens > 0
            assert 0 < run.latency_ms < first.seconds * 1000
            assert run.max_tokens == 256
            if run.status == "failed":
                assert run.error
            else:
                assert run.error is None and run.raw_reply
            assert run.claims_count == first.summary["claims"]
            assert run.rejected_count == first.summary["rejected"]
    finally:
        db.dispose()


def test_stored_claims_are_grounded_and_rejections_explained(
    first: ExtractRun, llama_db: str
) -> None:
    db = Database(llama_db)
    try:
        with db.session() as session:
            article = session.scalars(select(Article)).one()
            claims = session.scalars(select(Claim)).all()
            rejected = session.scalars(select(RejectedClaim)).all()
            assert len(claims) == first.summary["claims"]
            assert len(rejected) == first.summary["rejected"]
            for claim in claims:
                assert article.text[claim.start : claim.end] == claim.quote
                assert claim.quote.strip()
            for item in rejected:
                assert item.reason and item.reason.strip()
                assert (item.payload or {}).get("detail")
            print(
                f"model output: {len(claims)} claim(s) stored, {len(rejected)} rejected: "
                f"{sorted({r.reason for r in rejected})}"
            )
    finally:
        db.dispose()


def test_second_run(first: ExtractRun, server: LlamaServer, llama_db: str) -> None:
    second = run_extract(server, llama_db)
    db = Database(llama_db)
    try:
        with db.session() as session:
            runs = session.scalar(select(func.count()).select_from(Run))
    finally:
        db.dispose()
    if first.result.returncode == 0:
        # Same text, prompt, model and target: skipped without a request.
        assert second.result.returncode == 0, second.result.stderr
        assert second.summary["skipped"] == 1 and second.summary["extracted"] == 0
        assert second.chat_after == []
        assert runs == 1
    else:
        # A failed article is not cached: it is asked again (and recorded again).
        assert second.chat_after
        assert runs == 2


def test_check_reports_what_the_server_accepts(server: LlamaServer) -> None:
    result = stancetrack(
        "check", "--base-url", server.base_url, "--model", MODEL_ALIAS, "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reachable"] is True and data["ok"] is True
    assert data["models"] == [MODEL_ALIAS] and data["model_listed"] is True
    assert data["latency_ms"] > 0
    schema, obj = data["modes"]["json_schema"], data["modes"]["json_object"]
    assert schema["ok"] is False and schema["status"] == 500
    assert "json_schema" in schema["detail"]
    assert obj["ok"] is True and obj["status"] == 200 and obj["valid_json"] is True
    assert data["modes"]["plain"]["ok"] is True
    assert data["best_mode"] == "json_object"

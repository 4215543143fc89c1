"""`stancetrack check` against the stub server: the real openai client over real HTTP.

(The same command against llama-cpp-python's real server: tests/test_llama_e2e.py.)
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from conftest import REPO
from sqlalchemy import select
from stub_server import Delay, HttpError, StubServer

from stancetrack.db import Database
from stancetrack.db.models import EndpointMode

SECRET = "sk-test-check-secret-0123456789abcdef"
MODES = ["json_schema", "json_object", "plain"]
# What llama-cpp-python 0.3.x answers to response_format json_schema (HTTP 500, traceback
# appended after a blank line), as measured against the real server.
LLAMA_JSON_SCHEMA_500 = (
    500,
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
    '\n\n  File "/site-packages/llama_cpp/server/app.py", line 376, in create_chat_completion'
    "\n    POST /v1/chat/completions",
)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def check(cli: Any, base_url: str, *args: str) -> tuple[Any, dict[str, Any]]:
    result = cli(["check", "--base-url", base_url, "--model", "stub-model", *args])
    assert SECRET not in result.stdout + result.stderr
    data = json.loads(result.stdout) if "--format" in args and "json" in args else {}
    return result, data


def sent_formats(stub: StubServer) -> list[str | None]:
    out: list[str | None] = []
    for request in stub.chat_requests:
        fmt = request.json.get("response_format")
        out.append(fmt.get("type") if isinstance(fmt, dict) else None)
    return out


def test_everything_accepted(cli: Any, stub: StubServer) -> None:
    stub.default = lambda _request: {"ok": True}
    result, data = check(cli, stub.base_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert list(data) == [
        "endpoint",
        "host",
        "model",
        "reachable",
        "reason",
        "latency_ms",
        "models",
        "model_listed",
        "modes",
        "best_mode",
        "ok",
        "saved",
    ]
    assert data["endpoint"] == stub.base_url
    assert data["host"] == f"127.0.0.1:{stub.port}"
    assert data["reachable"] is True and data["ok"] is True and data["reason"] is None
    assert data["models"] == ["stub-model"] and data["model_listed"] is True
    assert data["latency_ms"] > 0
    assert list(data["modes"]) == MODES
    for mode in MODES:
        assert data["modes"][mode] == {
            "ok": True,
            "status": 200,
            "detail": None,
            "latency_ms": data["modes"][mode]["latency_ms"],
            "valid_json": True,
        }
        assert data["modes"][mode]["latency_ms"] > 0
    assert data["best_mode"] == "json_schema"
    assert data["saved"] is False
    # One tiny request per mode, in the shapes extract sends, with the key as bearer token.
    assert sent_formats(stub) == ["json_schema", "json_object", None]
    bodies = [r.json for r in stub.chat_requests]
    assert all(b["max_tokens"] <= 16 and b["model"] == "stub-model" for b in bodies)
    assert bodies[1]["response_format"]["schema"]["type"] == "object"
    assert bodies[0]["response_format"]["json_schema"]["strict"] is True
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in stub.chat_requests)
    assert [r.path for r in stub.requests if r.method == "GET"] == ["/v1/models"]


def test_llama_style_500_on_json_schema(cli: Any) -> None:
    with StubServer(reject_formats={"json_schema": LLAMA_JSON_SCHEMA_500}) as stub:
        result, data = check(cli, stub.base_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    schema = data["modes"]["json_schema"]
    assert schema["ok"] is False and schema["status"] == 500 and schema["valid_json"] is None
    # The server's own message, without the SDK's prefix or the appended traceback.
    assert schema["detail"].startswith("1 validation error:")
    assert "json_schema" in schema["detail"] and "File " not in schema["detail"]
    assert data["modes"]["json_object"]["ok"] is True
    assert data["best_mode"] == "json_object" and data["ok"] is True


def test_plain_reply_that_is_not_json_still_counts_as_accepted(cli: Any, stub: StubServer) -> None:
    stub.default = lambda request: (
        {"ok": True} if request.get("response_format") else "Sure! Here you go: ok"
    )
    result, data = check(cli, stub.base_url, "--format", "json")
    assert result.exit_code == 0
    assert data["modes"]["plain"]["ok"] is True
    assert data["modes"]["plain"]["valid_json"] is False
    assert data["modes"]["plain"]["detail"] == "accepted; the reply was not JSON"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_port(cli: Any) -> None:
    port = _closed_port()
    result, data = check(cli, f"http://127.0.0.1:{port}/v1", "--format", "json", "--timeout", "5")
    assert result.exit_code == 1
    assert data["reachable"] is False and data["ok"] is False
    assert data["reason"] == f"cannot reach 127.0.0.1:{port}: connection failed (ConnectError)"
    assert data["modes"] == {} and data["models"] == [] and data["latency_ms"] is None
    assert result.stderr.strip() == f"error: {data['reason']}"


def test_unauthorized(cli: Any, stub: StubServer) -> None:
    # Servers often echo (part of) the key they refused: it must not reach the output.
    stub.default = lambda _request: HttpError(401, f"Incorrect API key provided: {SECRET}.")
    result, data = check(cli, stub.base_url, "--format", "json")
    assert result.exit_code == 1
    assert data["reachable"] is True and data["ok"] is False and data["best_mode"] is None
    assert {m: r["status"] for m, r in data["modes"].items()} == dict.fromkeys(MODES, 401)
    assert all(r["detail"] == "Incorrect API key provided: ***." for r in data["modes"].values())
    assert data["reason"] == "authentication failed (HTTP 401): check OPENAI_API_KEY"
    assert result.stderr.strip() == f"error: {data['reason']}"


def test_timeouts_are_reported_per_mode(cli: Any, stub: StubServer) -> None:
    stub.default = lambda _request: Delay(3.0)
    result, data = check(cli, stub.base_url, "--format", "json", "--timeout", "0.3")
    assert result.exit_code == 1
    assert data["reachable"] is True
    for mode in MODES:
        assert data["modes"][mode]["ok"] is False
        assert data["modes"][mode]["status"] is None
        assert data["modes"][mode]["detail"] == "no reply within 0.3s"
        assert data["modes"][mode]["latency_ms"] < 2500
    assert len(stub.chat_requests) == 3  # sent once each: no retries


def test_unknown_model_is_flagged(cli: Any, stub: StubServer) -> None:
    result = cli(["check", "--base-url", stub.base_url, "--model", "gpt-none", "-f", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0  # the stub answers anyway; the listing says it is unknown
    assert data["model"] == "gpt-none" and data["model_listed"] is False


def test_table_output(cli: Any) -> None:
    with StubServer(reject_formats={"json_schema": LLAMA_JSON_SCHEMA_500}) as stub:
        result, _ = check(cli, stub.base_url, "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    row = {line.split("│")[1].strip(): line for line in lines if line.count("│") >= 5}
    assert "no" in row["json_schema"] and "500" in row["json_schema"]
    assert "yes" in row["json_object"] and "200" in row["json_object"]
    assert any("best mode" in line and "json_object" in line for line in lines)


def test_no_endpoint_configured(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = cli(["check"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no endpoint configured" in result.stderr


def test_save_makes_extract_skip_the_probe(cli: Any, db_url: str) -> None:
    with StubServer(reject_formats={"json_schema": LLAMA_JSON_SCHEMA_500}) as stub:
        result, data = check(cli, stub.base_url, "--format", "json", "--save", "--db", db_url)
        assert result.exit_code == 0, result.stderr
        assert data["saved"] is True
        db = Database(db_url)
        try:
            with db.session() as session:
                rows = session.scalars(select(EndpointMode)).all()
                assert [(r.endpoint, r.model, r.mode) for r in rows] == [
                    (f"127.0.0.1:{stub.port}", "stub-model", "json_object")
                ]
        finally:
            db.dispose()
        probes = len(stub.chat_requests)
        article = "fixtures/articles/000_6e641d416cccd12d.txt"
        extracted = cli(
            [
                "extract",
                str(REPO / article),
                "--backend",
                "openai",
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
        assert extracted.exit_code == 0, extracted.stderr
        # extract started with the saved mode: no json_schema attempt this time.
        assert sent_formats(stub)[probes:] == ["json_object"]


def test_save_without_a_working_mode_saves_nothing(cli: Any, stub: StubServer) -> None:
    stub.default = lambda _request: HttpError(400, "nope")
    result, data = check(cli, stub.base_url, "--format", "json", "--save")
    assert result.exit_code == 1
    assert data["saved"] is False and data["best_mode"] is None
    assert data["reason"] == "no structured-output mode was accepted (plain: HTTP 400: nope)"

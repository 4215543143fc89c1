"""The openai backend against a real HTTP server (tests/stub_server.py) through the real SDK.

Every fault the issue lists is scripted on the stub and checked from both sides: what the
backend returned or raised, and the requests the server actually saw.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from email.utils import formatdate
from typing import Any

import pytest
from stub_server import (
    LLAMA_CPP_JSON_SCHEMA_ERROR,
    Delay,
    Drop,
    HttpError,
    Reply,
    StubServer,
)

from stancetrack.errors import ConfigError
from stancetrack.llm.base import Backend, ExtractionError, ExtractionRequest
from stancetrack.llm.factory import OFFLINE_NOTICE, backend_notice, make_backend
from stancetrack.llm.modes import JSON_OBJECT, JSON_SCHEMA, PLAIN, MemoryModeStore
from stancetrack.llm.openai_backend import OpenAIBackend, endpoint_host
from stancetrack.llm.retries import RetryPolicy, retry_after_seconds
from stancetrack.settings import Settings

KEY = "sk-test-SECRET-0123456789abcdef"
ARTICLE = (
    "NATO Secretary General Jens Stoltenberg said the door remains open to new members.\n"
    'Kremlin spokesman Dmitry Peskov said "NATO expansion threatens Russia."'
)


def claim(quote: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "speaker": "Stoltenberg",
        "actor": "Jens Stoltenberg",
        "actor_type": "person",
        "quote": quote,
        "claim": f"Someone says {quote}",
        "attribution": "indirect",
        "rationale": "test",
        "stance": "support",
        "confidence": 0.8,
    }
    base.update(overrides)
    return base


GOOD = {"claims": [claim("the door remains open to new members")]}


def settings_for(stub: StubServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_base_url": stub.base_url,
        "openai_api_key": KEY,
        "model": "stub-model",
        "max_retries": 3,
        "max_reasks": 2,
        "request_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def backend_for(
    stub: StubServer, *, store: MemoryModeStore | None = None, **overrides: Any
) -> OpenAIBackend:
    settings = settings_for(stub, **overrides)
    policy = RetryPolicy(max_retries=settings.max_retries, initial=0.01, max_wait=3.0)
    return OpenAIBackend(settings, mode_store=store, retry=policy)


def request(text: str = ARTICLE, title: str = "Test article") -> ExtractionRequest:
    return ExtractionRequest(title=title, text=text, target="NATO expansion")


def mode_of(recorded: Any) -> str:
    fmt = recorded.json.get("response_format")
    return fmt["type"] if fmt else PLAIN


async def test_success_sends_strict_schema_fixed_prefix_and_counts(stub: StubServer) -> None:
    stub.queue(Reply(json.dumps(GOOD), prompt_tokens=321, completion_tokens=45))
    backend = backend_for(stub)
    assert isinstance(backend, Backend)
    reply = await backend.extract(request())
    await backend.aclose()

    assert [c.quote for c in reply.claims] == ["the door remains open to new members"]
    assert reply.output_mode == JSON_SCHEMA
    assert (reply.prompt_tokens, reply.completion_tokens, reply.attempts) == (321, 45, 1)
    assert reply.windows == [None] and reply.chunks == 1 and reply.reasks == 0
    assert reply.raw_reply == json.dumps(GOOD)
    assert backend.endpoint_host == f"127.0.0.1:{stub.port}"
    assert len(backend.prompt.sha256) == 64

    (sent,) = stub.chat_requests
    fmt = sent.json["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["claims"]
    messages = sent.json["messages"]
    assert messages[0]["role"] == "system" and "NATO expansion" in messages[0]["content"]
    assert messages[-1]["role"] == "user" and messages[-1]["content"].endswith(ARTICLE)
    assert sent.json["model"] == "stub-model" and sent.json["temperature"] == 0.0
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"


async def test_json_schema_500_falls_back_to_json_object_and_is_remembered() -> None:
    store = MemoryModeStore()
    with StubServer(reject_formats={"json_schema": LLAMA_CPP_JSON_SCHEMA_ERROR}) as stub:
        stub.queue(GOOD, GOOD, GOOD)
        backend = backend_for(stub, store=store)
        first = await backend.extract(request())
        assert first.output_mode == JSON_OBJECT
        assert [mode_of(r) for r in stub.chat_requests] == [JSON_SCHEMA, JSON_OBJECT]
        assert stub.chat_requests[1].json["response_format"]["schema"]["required"] == ["claims"]
        assert first.attempts == 2  # the probe is a request too; no retries of the 500
        assert store.get(f"127.0.0.1:{stub.port}", "stub-model") == JSON_OBJECT

        second = await backend.extract(request())
        assert [mode_of(r) for r in stub.chat_requests[2:]] == [JSON_OBJECT]
        assert second.output_mode == JSON_OBJECT and second.attempts == 1
        await backend.aclose()

        # A later run (new backend, same store) does not probe again.
        later = backend_for(stub, store=store)
        await later.extract(request())
        assert mode_of(stub.chat_requests[-1]) == JSON_OBJECT
        assert len(stub.chat_requests) == 4
        await later.aclose()


async def test_no_structured_output_falls_back_to_plain_prompt() -> None:
    rejects = {"json_schema": (400, "unknown field"), "json_object": (422, "unsupported")}
    with StubServer(reject_formats=rejects) as stub:
        stub.queue(GOOD)
        backend = backend_for(stub)
        reply = await backend.extract(request())
        await backend.aclose()
    assert reply.output_mode == PLAIN
    assert [mode_of(r) for r in stub.chat_requests] == [JSON_SCHEMA, JSON_OBJECT, PLAIN]
    # Plain mode relies on the format described in the prompt itself.
    assert '"claims"' in stub.chat_requests[-1].json["messages"][0]["content"]


async def test_concurrent_first_articles_probe_once() -> None:
    with StubServer(reject_formats={"json_schema": LLAMA_CPP_JSON_SCHEMA_ERROR}) as stub:
        backend = backend_for(stub)
        replies = await asyncio.gather(*(backend.extract(request()) for _ in range(6)))
        await backend.aclose()
    assert {r.output_mode for r in replies} == {JSON_OBJECT}
    assert [mode_of(r) for r in stub.chat_requests].count(JSON_SCHEMA) == 1
    assert len(stub.chat_requests) == 7


async def test_plain_500_then_success_is_retried_not_negotiated(stub: StubServer) -> None:
    stub.queue(HttpError(500, "upstream worker crashed"), GOOD)
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert reply.claims and reply.attempts == 2 and reply.output_mode == JSON_SCHEMA
    assert [mode_of(r) for r in stub.chat_requests] == [JSON_SCHEMA, JSON_SCHEMA]


async def test_max_completion_tokens_is_used_when_the_model_asks(stub: StubServer) -> None:
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    stub.queue(HttpError(400, message), GOOD, GOOD)
    backend = backend_for(stub, max_tokens=1234)
    first = await backend.extract(request())
    await backend.extract(request())
    await backend.aclose()
    assert first.claims and first.output_mode == JSON_SCHEMA and first.attempts == 2
    sent = [r.json for r in stub.chat_requests]
    assert sent[0]["max_tokens"] == 1234 and "max_completion_tokens" not in sent[0]
    for later in sent[1:]:
        assert later["max_completion_tokens"] == 1234 and "max_tokens" not in later
        assert later["response_format"]["type"] == "json_schema"


async def test_429_retry_after_seconds_is_honoured(stub: StubServer) -> None:
    stub.queue(HttpError(429, "slow down", headers={"Retry-After": "1"}), GOOD)
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    first, second = stub.chat_requests
    assert second.time - first.time >= 0.95  # the computed backoff would be ~0.01 s
    assert reply.attempts == 2 and reply.claims


async def test_retry_after_ms_is_honoured(stub: StubServer) -> None:
    stub.queue(HttpError(503, "busy", headers={"retry-after-ms": "400"}), GOOD)
    backend = backend_for(stub)
    await backend.extract(request())
    await backend.aclose()
    first, second = stub.chat_requests
    assert 0.38 <= second.time - first.time < 2.0


def test_retry_after_http_date() -> None:
    now = time.time()
    assert retry_after_seconds({"Retry-After": formatdate(now + 30, usegmt=True)}, now=now) == (
        pytest.approx(30, abs=1.0)
    )
    assert retry_after_seconds({"Retry-After": "garbage"}) is None
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "-5"}) == 0.0


async def test_timeout_then_success(stub: StubServer) -> None:
    stub.queue(Delay(2.0, then=GOOD), GOOD)
    backend = backend_for(stub, request_timeout=0.3)
    started = time.perf_counter()
    reply = await backend.extract(request())
    await backend.aclose()
    assert reply.claims and reply.attempts == 2
    assert len(stub.chat_requests) == 2
    assert time.perf_counter() - started < 1.5  # did not wait for the slow reply


async def test_connection_drop_then_success(stub: StubServer) -> None:
    stub.queue(Drop(), GOOD)
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert reply.claims and reply.attempts == 2 and len(stub.chat_requests) == 2


async def test_exactly_one_retry_layer(stub: StubServer) -> None:
    stub.queue(*[HttpError(503, "overloaded")] * 10)
    backend = backend_for(stub, max_retries=2)
    with pytest.raises(ExtractionError) as caught:
        await backend.extract(request())
    await backend.aclose()
    # 1 + max_retries requests: the SDK's own retries are off, so nothing multiplies.
    assert len(stub.chat_requests) == 3
    assert {r.headers.get("x-stainless-retry-count") for r in stub.chat_requests} <= {"0", None}
    error = caught.value
    assert error.attempts == 3 and not error.fatal
    assert "HTTP 503" in str(error) and "after 3 attempts" in str(error)


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "OPENAI_API_KEY"), (403, "permission denied"), (404, "stub-model")],
)
async def test_auth_and_not_found_are_fatal_without_retries(
    stub: StubServer, status: int, words: str
) -> None:
    # OpenAI echoes part of a wrong key in its 401 message: it must not reach our error.
    stub.queue(HttpError(status, f"Incorrect API key provided: {KEY}. model stub-model"))
    backend = backend_for(stub)
    with pytest.raises(ExtractionError) as caught:
        await backend.extract(request())
    await backend.aclose()
    assert len(stub.chat_requests) == 1
    error = caught.value
    assert error.fatal and error.attempts == 1
    assert words in str(error) and f"127.0.0.1:{stub.port}" in str(error)
    assert KEY not in str(error) and "SECRET" not in str(error)
    assert "\n" not in str(error)


async def test_bad_request_in_plain_mode_is_not_retried() -> None:
    rejects = {"json_schema": (400, "no"), "json_object": (400, "no")}
    with StubServer(reject_formats=rejects) as stub:
        stub.queue(HttpError(400, "context length exceeded"))
        backend = backend_for(stub)
        with pytest.raises(ExtractionError) as caught:
            await backend.extract(request())
        await backend.aclose()
    assert len(stub.chat_requests) == 3  # one per mode, none retried
    assert not caught.value.fatal and "context length exceeded" in str(caught.value)


async def test_quota_exhausted_is_fatal(stub: StubServer) -> None:
    body = json.dumps(
        {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}}
    )
    stub.queue(HttpError(429, body=body))
    backend = backend_for(stub)
    with pytest.raises(ExtractionError) as caught:
        await backend.extract(request())
    await backend.aclose()
    assert caught.value.fatal and len(stub.chat_requests) == 1


async def test_malformed_json_then_valid_reask_sums_tokens(stub: StubServer) -> None:
    stub.queue(
        Reply('{"claims": [{"speaker": "Stoltenberg",', prompt_tokens=100, completion_tokens=7),
        Reply(json.dumps(GOOD), prompt_tokens=150, completion_tokens=20),
    )
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert reply.claims and reply.reasks == 1 and reply.attempts == 2
    assert (reply.prompt_tokens, reply.completion_tokens) == (250, 27)
    reask = stub.chat_requests[1].json["messages"]
    assert reask[-2] == {"role": "assistant", "content": '{"claims": [{"speaker": "Stoltenberg",'}
    assert reask[-1]["role"] == "user" and "not valid JSON" in reask[-1]["content"]


async def test_schema_errors_are_sent_back_and_reasks_are_bounded(stub: StubServer) -> None:
    bad = {"claims": [claim("the door remains open", stance="maybe")]}
    stub.queue(*[Reply(json.dumps(bad), prompt_tokens=10, completion_tokens=3)] * 5)
    backend = backend_for(stub, max_reasks=2)
    with pytest.raises(ExtractionError) as caught:
        await backend.extract(request())
    await backend.aclose()
    assert len(stub.chat_requests) == 3
    assert "claims[0].stance" in stub.chat_requests[1].json["messages"][-1]["content"]
    error = caught.value
    assert error.attempts == 3 and (error.prompt_tokens, error.completion_tokens) == (30, 9)
    assert error.last_raw == json.dumps(bad) and "claims[0].stance" in str(error)
    assert not error.fatal


async def test_invalid_claim_next_to_valid_ones_is_kept_aside(stub: StubServer) -> None:
    mixed = {"claims": [GOOD["claims"][0], claim("threatens Russia", confidence=7)]}
    stub.queue(f"Here you go:\n```json\n{json.dumps(mixed)}\n```")
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert len(stub.chat_requests) == 1 and reply.reasks == 0
    assert [c.quote for c in reply.claims] == ["the door remains open to new members"]
    ((item, reason),) = reply.invalid_items
    assert item["quote"] == "threatens Russia" and "claims[1].confidence" in reason


async def test_code_fenced_reply_is_accepted(stub: StubServer) -> None:
    stub.queue(f"```json\n{json.dumps(GOOD)}\n```")
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert len(reply.claims) == 1 and reply.reasks == 0


def _cut(claims: list[dict[str, Any]]) -> str:
    text = json.dumps({"claims": claims})
    return text[: text.rfind('"stance"')]  # inside the last claim


async def test_truncated_reply_is_asked_again_shorter(stub: StubServer) -> None:
    two = [GOOD["claims"][0], claim("NATO expansion threatens Russia.", stance="oppose")]
    stub.queue(Reply(_cut(two), finish_reason="length"), {"claims": two})
    backend = backend_for(stub)
    reply = await backend.extract(request())
    await backend.aclose()
    assert len(reply.claims) == 2 and not reply.truncated and reply.reasks == 1
    retry_messages = stub.chat_requests[1].json["messages"]
    first_messages = stub.chat_requests[0].json["messages"]
    assert len(retry_messages) == len(first_messages)  # turns still alternate
    assert retry_messages[-1]["content"].startswith(first_messages[-1]["content"])
    assert "cut off" in retry_messages[-1]["content"]


async def test_truncated_to_the_end_salvages_complete_claims(stub: StubServer) -> None:
    two = [GOOD["claims"][0], claim("NATO expansion threatens Russia.", stance="oppose")]
    stub.queue(*[Reply(_cut(two), finish_reason="length")] * 2)
    backend = backend_for(stub, max_reasks=1)
    reply = await backend.extract(request())
    await backend.aclose()
    assert reply.truncated and [c.quote for c in reply.claims] == [two[0]["quote"]]
    assert reply.attempts == 2


async def test_truncated_without_any_claim_fails_clearly(stub: StubServer) -> None:
    stub.queue(*[Reply('{"claims": [{"speak', finish_reason="length")] * 2)
    backend = backend_for(stub, max_reasks=1)
    with pytest.raises(ExtractionError, match="cut off at the token limit"):
        await backend.extract(request())
    await backend.aclose()


async def test_refusal_is_an_extraction_error(stub: StubServer) -> None:
    stub.queue(Reply(None, refusal="I can't help with that."))
    backend = backend_for(stub)
    with pytest.raises(ExtractionError, match="refused: I can't help") as caught:
        await backend.extract(request())
    await backend.aclose()
    assert not caught.value.fatal and caught.value.attempts == 1
    assert len(stub.chat_requests) == 1


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("<html>proxy sign-in</html>", "a body that is not JSON: <html>proxy sign-in</html>"),
        ('["not", "a", "completion"]', "JSON that is not a completion"),
        ('{"id": "x", "choices": []}', "a completion without choices"),
        ('{"choices": [{"index": 0, "finish_reason": "stop"}]}', "a choice without a message"),
    ],
)
async def test_a_200_that_is_not_a_completion_is_an_extraction_error(
    stub: StubServer, body: str, phrase: str
) -> None:
    """The completion is read as plain JSON (not the SDK's model): every odd shape a
    proxy or a half-compatible server may send is one clear failure, never a crash."""
    stub.queue(HttpError(200, body=body))
    backend = backend_for(stub)
    with pytest.raises(ExtractionError, match=re.escape(phrase)) as caught:
        await backend.extract(request())
    await backend.aclose()
    assert not caught.value.fatal and caught.value.attempts == 1


async def test_empty_reply_is_an_extraction_error(stub: StubServer) -> None:
    stub.queue(Reply(""))
    backend = backend_for(stub)
    with pytest.raises(ExtractionError, match="empty reply"):
        await backend.extract(request())
    await backend.aclose()


async def test_unreachable_endpoint_is_fatal_after_retries() -> None:
    with StubServer() as stub:
        settings = settings_for(stub)
    backend = OpenAIBackend(settings, retry=RetryPolicy(max_retries=1, initial=0.01))
    with pytest.raises(ExtractionError, match=r"cannot reach 127\.0\.0\.1") as caught:
        await backend.extract(request())
    await backend.aclose()
    assert caught.value.fatal and caught.value.attempts == 2


async def test_long_article_is_chunked_with_windows(stub: StubServer) -> None:
    paragraphs = [
        f"Speaker {i} said that paragraph {i} matters for the alliance. " + "Filler text. " * 20
        for i in range(12)
    ]
    text = "\n".join(paragraphs)

    def quote_first_sentence(body: dict[str, Any]) -> Any:
        article = body["messages"][-1]["content"].split("Article:\n", 1)[1]
        first = article.split("\n", 1)[0]
        return {"claims": [claim(first[: first.index(" matters")])]}

    stub.default = quote_first_sentence
    backend = backend_for(stub, chunk_tokens=200)  # about 800 characters per chunk
    reply = await backend.extract(request(text))
    await backend.aclose()

    assert reply.chunks == len(stub.chat_requests) > 2
    assert len(reply.windows) == len(reply.claims) == reply.chunks
    for found, window in zip(reply.claims, reply.windows, strict=True):
        assert window is not None
        start, end = window
        assert found.quote in text[start:end]
        assert len(text[start:end]) <= 800
    first_window, last_window = reply.windows[0], reply.windows[-1]
    assert first_window is not None and last_window is not None
    assert first_window[0] == 0 and last_window[1] == len(text)
    parts = [r.json["messages"][-1]["content"] for r in stub.chat_requests]
    assert all(f"of {reply.chunks} of a long article" in p for p in parts)
    assert json.loads(reply.raw_reply)["chunks"][0]["window"] == list(first_window)


async def test_latency_overlaps_across_concurrent_requests() -> None:
    with StubServer(latency=0.3) as stub:
        store = MemoryModeStore()  # mode known: no probe before the burst
        store.set(f"127.0.0.1:{stub.port}", "stub-model", JSON_SCHEMA)
        backend = backend_for(stub, store=store, concurrency=8)
        started = time.perf_counter()
        await asyncio.gather(*(backend.extract(request()) for _ in range(8)))
        elapsed = time.perf_counter() - started
        await backend.aclose()
    assert len(stub.chat_requests) == 8
    assert 0.3 <= elapsed < 1.2  # 8 x 0.3 s in parallel (in series: 2.4 s)


async def test_concurrency_bounds_requests_and_reuses_one_client_per_slot() -> None:
    """--concurrency 3: never more than 3 requests at the server, on 3 clients reused
    across waves (llm/client_pool.py: one connection per client)."""
    latency = 0.2
    with StubServer(default=lambda _body: GOOD, latency=latency) as stub:
        store = MemoryModeStore()
        store.set(f"127.0.0.1:{stub.port}", "stub-model", JSON_SCHEMA)
        backend = backend_for(stub, store=store, concurrency=3)
        started = time.perf_counter()
        replies = await asyncio.gather(*(backend.extract(request()) for _ in range(9)))
        elapsed = time.perf_counter() - started
        made = backend._clients.clients_made
        await backend.aclose()
    assert all(len(r.claims) == 1 for r in replies)
    arrivals = sorted(r.time for r in stub.chat_requests)
    assert len(arrivals) == 9
    busiest = max(sum(1 for a in arrivals if t - latency * 0.9 < a <= t) for t in arrivals)
    assert busiest <= 3  # never four at a time
    assert 3 * latency <= elapsed < 7.5 * latency  # three waves (nine in series: 9 x L)
    assert made == 3  # three slots used, each client reused for three requests


def test_endpoint_host_never_carries_credentials() -> None:
    assert endpoint_host("https://user:pw@api.example.com/v1") == "api.example.com"
    assert endpoint_host("http://localhost:11434/v1") == "localhost:11434"
    assert endpoint_host("http://[::1]:8000/v1") == "[::1]:8000"


def test_factory_auto_and_explicit(stub: StubServer) -> None:
    offline = Settings()
    assert backend_notice(offline) == OFFLINE_NOTICE
    assert backend_notice(offline, "rules") is None
    with pytest.raises(ConfigError, match="OPENAI_API_KEY or OPENAI_BASE_URL"):
        make_backend(offline, backend="openai")
    with pytest.raises(ConfigError, match="unknown backend"):
        make_backend(offline, backend="magic")
    online = Settings(openai_base_url=stub.base_url)
    assert backend_notice(online) is None
    chosen = make_backend(online)
    assert isinstance(chosen, OpenAIBackend) and chosen.endpoint_host == f"127.0.0.1:{stub.port}"

"""Extraction through any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp).

Per article: render the versioned prompt, split long texts into chunks, and for each chunk
send one chat request in the best structured-output mode the endpoint accepts, validate the
reply with pydantic and re-ask with the error when nothing usable came back. Everything spent
(requests, tokens over all attempts, time) is reported for the run record, on success and on
failure alike.

Policies (see also llm/modes.py, llm/mode_negotiation.py, llm/retries.py, llm/replies.py):

- Output mode: ``json_schema`` (strict), then ``json_object`` with the schema, then plain
  JSON described in the prompt. A mode rejected with 400/422, or with a 5xx whose body names
  response_format/json_schema/grammar, falls to the next; the mode that works is kept in the
  ModeStore per (endpoint host, model), and the first article for an unknown endpoint probes
  alone so a concurrent batch does not probe N times.
- Re-ask (at most settings.max_reasks): on invalid JSON, a missing claims array, or when
  every claim fails validation, the bad reply and the error go back to the model. Claims that
  fail on their own next to valid ones are returned in ``invalid_items`` instead.
- Cut off at max_tokens: asked again with a note to be shorter (same re-ask budget); if the
  last reply is still cut off, its complete claims are salvaged and ``truncated`` is set.
- Refusal, content filter, or an empty reply: ExtractionError, never a crash.
- HTTP failures: one tenacity layer (SDK retries off). 401/403/404 and an exhausted quota
  are fatal for the batch; so is an endpoint that stays unreachable after all retries.
- Concurrency: at most settings.concurrency requests in flight per backend, chunks included,
  each on a client of its own (llm/client_pool.py says why).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai
from openai import AsyncOpenAI

from stancetrack.errors import ConfigError
from stancetrack.llm.base import BackendReply, ExtractionError, ExtractionRequest, PromptInfo
from stancetrack.llm.chunking import split_text
from stancetrack.llm.client_pool import ClientPool
from stancetrack.llm.context import BackendContext
from stancetrack.llm.mode_negotiation import ModeNegotiation, rejects_mode
from stancetrack.llm.modes import JSON_OBJECT, JSON_SCHEMA, MODES, MemoryModeStore, ModeStore
from stancetrack.llm.replies import ParsedReply, parse_reply, salvage
from stancetrack.llm.retries import (
    RetryPolicy,
    SharedPause,
    describe,
    is_transient,
    out_of_quota,
    retry_after_seconds,
)
from stancetrack.promptfiles import PromptTemplate, load_prompt
from stancetrack.schemas import ReplyClaim, reply_json_schema
from stancetrack.settings import Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
SCHEMA_NAME = "stancetrack_reply"
_SECRET_LIKE = re.compile(r"\b(sk|key|token)-[A-Za-z0-9_\-*.]{6,}", re.IGNORECASE)


def endpoint_host(base_url: str) -> str:
    """host[:port] of a base URL: what the run record keeps (never userinfo or the key)."""
    parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


@dataclass(slots=True)
class _Tally:
    """What one article cost, over all chunks, modes, retries and re-asks."""

    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasks: int = 0
    mode: str | None = None
    last_raw: str | None = None

    def failure(self, message: str, *, fatal: bool = False) -> ExtractionError:
        """The article's failure, carrying what it spent so far for the run record."""
        return ExtractionError(
            message,
            attempts=self.attempts,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            last_raw=self.last_raw,
            output_mode=self.mode,
            fatal=fatal,
        )


def _chunk_prefix(index: int, count: int) -> str:
    """What starts a message about part `index` (0-based) of an article split in `count`."""
    return f"chunk {index + 1} of {count}: " if count > 1 else ""


@dataclass(slots=True)
class _Part:
    claims: list[ReplyClaim]
    invalid: list[tuple[dict[str, Any], str]]
    raw: str
    mode: str
    truncated: bool = False
    window: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class RequestPart:
    """One request of an article as first asked: its messages and, when chunked, the
    character window of the article it covers."""

    messages: list[dict[str, str]]
    window: tuple[int, int] | None


class NeedsReask(Exception):
    """An answer the live path would ask again about; a batch cannot, so it goes live."""


class _PartFailure(Exception):
    """One chunk gave up; extract() turns it into ExtractionError with the article's tally."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.fatal = fatal


class OpenAIBackend:
    """The ``openai`` backend: see the module docstring for its policies."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        mode_store: ModeStore | None = None,
        prompt: PromptTemplate | None = None,
        retry: RetryPolicy | None = None,
        client: AsyncOpenAI | None = None,
        pause: SharedPause | None = None,
    ) -> None:
        if not settings.endpoint_configured():
            raise ConfigError(
                "the openai backend needs an endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL"
            )
        self.settings = settings
        self.model = settings.model
        self.base_url = settings.openai_base_url or DEFAULT_BASE_URL
        self._host = endpoint_host(self.base_url)
        self.endpoint_host: str | None = self._host
        self.temperature: float | None = settings.temperature
        self.max_tokens: int | None = settings.max_tokens
        self._template = prompt or load_prompt()
        self.prompt = PromptInfo(self._template.name, self._template.version, self._template.sha256)
        self._negotiation = ModeNegotiation(
            mode_store if mode_store is not None else MemoryModeStore(), self._host, self.model
        )
        self._retry = retry or RetryPolicy(max_retries=settings.max_retries)
        self._pause = pause  # shared with other processes (workers); None: this one alone
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self._secret = key

        def make_client(http_client: httpx2.AsyncClient) -> AsyncOpenAI:
            return AsyncOpenAI(
                # Local servers need no key, but the SDK insists on one: send a placeholder.
                api_key=key or "no-key",
                base_url=self.base_url,
                max_retries=0,  # tenacity is the only retry layer
                timeout=settings.request_timeout,
                http_client=http_client,
            )

        # At most settings.concurrency requests in flight, each on its own client.
        self._clients = ClientPool(settings.concurrency, make_client, shared=client)
        schema = reply_json_schema()
        self._response_formats: dict[str, dict[str, object]] = {
            JSON_SCHEMA: {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
            },
            # llama-cpp-python reads the schema from here; others ignore the extra key.
            JSON_OBJECT: {"type": "json_object", "schema": schema},
        }
        # Servers take `max_tokens`; OpenAI's reasoning models insist on the newer name.
        self._tokens_param = "max_tokens"

    @classmethod
    def from_context(cls, context: BackendContext, /) -> OpenAIBackend:
        """The plugin factory (llm/registry.py): settings, mode store and shared pause."""
        return cls(context.settings, mode_store=context.mode_store, pause=context.pause)

    async def aclose(self) -> None:
        await self._clients.aclose()

    # -- one article ----------------------------------------------------------------------

    def parts(self, request: ExtractionRequest) -> list[RequestPart]:
        """The article's requests as first asked: one per chunk, the live and batch paths'
        common start (same prompt rendering, same chunking)."""
        chunks = split_text(request.text, self.settings.chunk_tokens)
        count = len(chunks)
        return [
            RequestPart(
                self._template.messages(
                    title=request.title,
                    text=chunk.text,
                    target=request.target,
                    published=request.published,
                    part=(index + 1, count) if count > 1 else None,
                ),
                chunk.window if count > 1 else None,
            )
            for index, chunk in enumerate(chunks)
        ]

    def request_body(self, messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
        """The chat-completions body for these messages in this output mode (live and batch)."""
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body[self._tokens_param] = self.max_tokens
        response_format = self._response_formats.get(mode)
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def preferred_mode(self) -> str:
        """The output mode a request sent without negotiation uses (the Batch API cannot
        negotiate): the one known to work for this endpoint and model, else json_schema."""
        return self._negotiation.known() or JSON_SCHEMA

    def reply_from_completions(
        self, parts: list[RequestPart], completions: list[bytes], mode: str
    ) -> BackendReply:
        """The reply the live path would build from these first answers, without re-asks.

        Raises NeedsReask when an answer is one the live path would ask again about (invalid
        JSON, nothing valid, cut off), and ExtractionError for what the live path records as
        failed without asking again (refusal, content filter, empty reply).
        """
        tally = _Tally(mode=mode)
        done: list[_Part] = []
        count = len(parts)
        for index, (part, body) in enumerate(zip(parts, completions, strict=True)):
            prefix = _chunk_prefix(index, count)
            tally.attempts += 1
            try:
                content, finish = self._content(body, tally)
            except _PartFailure as exc:
                raise tally.failure(prefix + exc.message) from None
            parsed = parse_reply(content)
            if parsed.error is not None:
                cut = " (cut off at the token limit)" if finish == "length" else ""
                raise NeedsReask(prefix + parsed.error + cut)
            done.append(self._part(parsed, content, mode, part.window))
        return self._reply(done, tally, 0.0, count)

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        started = time.perf_counter()
        tally = _Tally()
        planned = self.parts(request)
        count = len(planned)
        jobs = [self._extract_part(part.messages, part.window, tally) for part in planned]
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        for failure in failures:
            if not isinstance(failure, _PartFailure):
                raise failure  # a bug or a cancellation, not a model/server failure
        if failures:
            index, first = next(
                (i, o) for i, o in enumerate(outcomes) if isinstance(o, _PartFailure)
            )
            raise tally.failure(
                _chunk_prefix(index, count) + first.message,
                fatal=any(isinstance(f, _PartFailure) and f.fatal for f in failures),
            )

        parts = [o for o in outcomes if isinstance(o, _Part)]
        return self._reply(parts, tally, (time.perf_counter() - started) * 1000.0, count)

    @staticmethod
    def _reply(parts: list[_Part], tally: _Tally, latency_ms: float, count: int) -> BackendReply:
        return BackendReply(
            claims=[claim for part in parts for claim in part.claims],
            raw_reply=parts[0].raw if count == 1 else _joined_raw(parts),
            output_mode=max((p.mode for p in parts), key=MODES.index),
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            attempts=tally.attempts,
            latency_ms=latency_ms,
            chunks=count,
            invalid_items=[item for part in parts for item in part.invalid],
            windows=[part.window for part in parts for _ in part.claims],
            reasks=tally.reasks,
            truncated=any(p.truncated for p in parts),
        )

    async def _extract_part(
        self,
        base: list[dict[str, str]],
        window: tuple[int, int] | None,
        tally: _Tally,
    ) -> _Part:
        messages = base
        problem = ""
        for ask in range(self.settings.max_reasks + 1):
            if ask:
                tally.reasks += 1
            completion, mode = await self._complete(messages, tally)
            content, finish = self._content(completion, tally)
            parsed = parse_reply(content)
            if finish == "length" and parsed.error is not None:
                problem = f"the reply was cut off at the token limit (max_tokens={self.max_tokens})"
                if ask < self.settings.max_reasks:
                    messages = _with_note(base, self._template.truncated_note())
                    continue
                salvaged = salvage(content)
                if salvaged.claims:
                    return self._part(salvaged, content, mode, window, truncated=True)
                break
            if parsed.error is None:
                return self._part(parsed, content, mode, window)
            problem = parsed.error
            if ask < self.settings.max_reasks:
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": self._template.reask(parsed.error)},
                ]
        asks = self.settings.max_reasks + 1
        raise _PartFailure(f"no valid reply after {asks} asks: {problem}")

    @staticmethod
    def _part(
        parsed: ParsedReply,
        raw: str,
        mode: str,
        window: tuple[int, int] | None,
        *,
        truncated: bool = False,
    ) -> _Part:
        return _Part(parsed.claims, parsed.invalid, raw, mode, truncated, window)

    def _content(self, body: bytes, tally: _Tally) -> tuple[str, str | None]:
        """The reply text, or a _PartFailure for refusals, filtered and empty replies.

        The completion is read as plain JSON: building the SDK's ChatCompletion model cost
        ~0.8 ms of event-loop CPU per request, for the five fields used here.
        """
        try:
            completion = json.loads(body)
        except ValueError:
            start = self._redact(_clip(body.decode("utf-8", errors="replace"), 120))
            raise _PartFailure(
                f"{self._host} answered with a body that is not JSON: {start}"
            ) from None
        if not isinstance(completion, dict):
            raise _PartFailure(f"{self._host} answered with JSON that is not a completion")
        usage = completion.get("usage")
        if isinstance(usage, dict):
            tally.prompt_tokens += _count(usage.get("prompt_tokens"))
            tally.completion_tokens += _count(usage.get("completion_tokens"))
        choices = completion.get("choices")
        if not isinstance(choices, list) or not choices:
            raise _PartFailure(f"{self._host} returned a completion without choices")
        choice = choices[0]
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise _PartFailure(f"{self._host} returned a choice without a message")
        finish = choice.get("finish_reason")
        content = message.get("content")
        # A model may echo the key: it never reaches a run record, a claim or a message.
        content = self._unkeyed(content) if isinstance(content, str) else ""
        tally.last_raw = content
        refusal = message.get("refusal")
        if refusal:
            raise _PartFailure(f"the model refused: {self._redact(_clip(str(refusal)))}")
        if finish == "content_filter":
            raise _PartFailure("the reply was withheld by the provider's content filter")
        if not content.strip():
            if finish == "length":
                raise _PartFailure(
                    f"the token limit (max_tokens={self.max_tokens}) was reached before any output"
                )
            raise _PartFailure("the model returned an empty reply")
        return content, finish

    # -- one request: mode negotiation (llm/mode_negotiation.py) over the retry layer --

    async def _complete(self, messages: list[dict[str, str]], tally: _Tally) -> tuple[bytes, str]:
        """One request's completion in the mode negotiated for this endpoint and model."""

        async def send(mode: str) -> bytes:
            tally.mode = mode
            return await self._send(messages, mode, tally)

        try:
            # a 400 naming max_completion_tokens: the same mode again, the limit renamed
            return await self._negotiation.complete(send, retry_same=self._wants_completion_tokens)
        except openai.OpenAIError as exc:
            raise self._failure(exc, tally) from None

    def _wants_completion_tokens(self, exc: openai.APIStatusError) -> bool:
        """OpenAI's reasoning models refuse `max_tokens` and name `max_completion_tokens`."""
        if self._tokens_param != "max_tokens" or exc.status_code != 400:
            return False
        if "max_completion_tokens" not in str(exc.message):
            return False
        self._tokens_param = "max_completion_tokens"
        return True

    async def _send(self, messages: list[dict[str, str]], mode: str, tally: _Tally) -> bytes:
        """One request in `mode`, retried by the one tenacity layer."""

        def should_retry(exc: BaseException) -> bool:
            return is_transient(exc) and not (
                isinstance(exc, openai.APIStatusError) and rejects_mode(exc, mode)
            )

        retrying = self._retry.retrying(should_retry, self._host)
        async for attempt in retrying:
            with attempt:
                if self._pause is not None:
                    await self._pause.wait()
                tally.attempts += 1
                try:
                    async with self._clients.lend() as client:
                        return await self._request(client, messages, mode)
                except openai.RateLimitError as exc:
                    if self._pause is not None and not out_of_quota(exc):
                        hinted = retry_after_seconds(exc.response.headers)
                        await self._pause.hold(
                            min(
                                hinted if hinted is not None else self._retry.initial * 2,
                                self._retry.max_wait,
                            )
                        )
                    raise
        raise AssertionError("unreachable: tenacity returns or re-raises")

    async def _request(
        self, client: AsyncOpenAI, messages: list[dict[str, str]], mode: str
    ) -> bytes:
        """One chat completion, returned as its raw JSON bytes (read by _content).

        The one bypass of the SDK's public API: the body is encoded here and posted with
        `client.post(..., cast_to=bytes)` instead of `chat.completions.create`, whose request
        transform walks every message and the schema again on each call. Measured in one run
        (BENCHMARKS.md, `bench/bench_extract.py --compare-send`): the public
        `with_raw_response.create` reached 0.79-0.84 of this path's throughput at N=1000,
        L=200 ms, C=32 and 0.53-0.59 with no latency (2-2.5 ms more CPU per article): more
        than the 5% that justifies a bypass. Everything else (status errors, timeouts, the
        auth header, the client) is still the SDK's.
        """
        body = self.request_body(messages, mode)  # the Batch API files carry the same body
        wire = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return await client.post(
            "/chat/completions",
            content=wire,
            cast_to=bytes,
            options={"security": {"bearer_auth": True}},
        )

    def _failure(self, exc: openai.OpenAIError, tally: _Tally) -> _PartFailure:
        """One clear line per failure; fatal when no later article could succeed either."""
        host = self._host
        tries = f"after {tally.attempts} attempt{'s' if tally.attempts != 1 else ''}"
        if isinstance(exc, openai.AuthenticationError):
            return _PartFailure(
                f"authentication failed at {host} (HTTP 401): check OPENAI_API_KEY", fatal=True
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return _PartFailure(
                f"permission denied at {host} (HTTP 403) for model {self.model!r}: "
                "check OPENAI_API_KEY and the model's access",
                fatal=True,
            )
        if isinstance(exc, openai.NotFoundError):
            return _PartFailure(
                f"not found at {host} (HTTP 404): check --model ({self.model!r}) and --base-url"
                f" ({self._server_message(exc)})",
                fatal=True,
            )
        if isinstance(exc, openai.APIStatusError) and out_of_quota(exc):
            return _PartFailure(f"{host} says the account is out of quota (HTTP 429)", fatal=True)
        if isinstance(exc, openai.APITimeoutError):
            return _PartFailure(
                f"no reply from {host} within {self.settings.request_timeout:g}s, {tries}"
            )
        if isinstance(exc, openai.APIConnectionError):
            return _PartFailure(f"cannot reach {host}: {describe(exc)}, {tries}", fatal=True)
        if isinstance(exc, openai.APIStatusError):
            retried = tries if is_transient(exc) else ""
            return _PartFailure(
                f"{host} answered HTTP {exc.status_code}: {self._server_message(exc)}"
                + (f", {retried}" if retried else "")
            )
        return _PartFailure(f"request to {host} failed: {self._redact(str(exc))}")

    def _server_message(self, exc: openai.APIStatusError) -> str:
        return _clip(self._redact(str(exc.message or "").strip() or "no message"))

    def _unkeyed(self, text: str) -> str:
        """Model text with the API key (as sent, or JSON-escaped) replaced by ***."""
        if not self._secret:
            return text
        escaped = json.dumps(self._secret)[1:-1]
        return text.replace(self._secret, "***").replace(escaped, "***")

    def _redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        return _SECRET_LIKE.sub("***", text)


def _with_note(messages: list[dict[str, str]], note: str) -> list[dict[str, str]]:
    """The original request with a note added to its last (user) message.

    Extending the last message, rather than adding another, keeps user/assistant turns
    alternating, which some chat templates (Gemma, Mistral) require.
    """
    last = messages[-1]
    return [*messages[:-1], {"role": last["role"], "content": f"{last['content']}\n\n{note}"}]


def _joined_raw(parts: list[_Part]) -> str:
    """The raw replies of a chunked article, each with its window, as one JSON document."""
    return json.dumps(
        {"chunks": [{"window": list(p.window or ()), "reply": p.raw} for p in parts]},
        ensure_ascii=False,
    )


def _count(value: object) -> int:
    """A token count from a usage block; servers send null, floats or nothing."""
    return int(value) if isinstance(value, int | float) and value >= 0 else 0


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

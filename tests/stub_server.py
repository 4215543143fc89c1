"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

openai 3.x sends requests through httpx2, which httpx mocks (respx) never see, so tests talk
to a real server instead. It speaks just enough of the API for stancetrack:
``POST /v1/chat/completions``, ``GET /v1/models``, and the Batch API's ``/v1/files`` and
``/v1/batches`` (tests/batch_api_stub.py: each batched request is answered as a live one).

Usage::

    with StubServer() as stub:               # random free port
        stub.queue({"claims": []})           # next reply: this JSON as the message content
        stub.queue(HttpError(429, headers={"Retry-After": "1"}), Reply('{"claims": []}'))
        client = AsyncOpenAI(base_url=stub.base_url, api_key="test")
        ...
        assert len(stub.chat_requests) == 2
        stub.chat_requests[0].json["response_format"]["type"]

Each chat request takes the next item from the queue; when the queue is empty the
``default`` responder (``request_json -> item``) answers (default: ``{"claims": []}``).
Items:

- ``Reply(content, finish_reason="stop", refusal=None, prompt_tokens=None, completion_tokens=None)``
  a normal completion; token counts default to len(text) // 4 of the prompt and the content.
- a ``dict`` (sent as its JSON) or a ``str`` (sent as is): shorthand for ``Reply(content)``.
- ``HttpError(status, message="...", headers={...}, body=None)``: an error response in the
  OpenAI error format (``body`` replaces it verbatim).
- ``Delay(seconds, then=item)``: wait, then answer with ``then`` (forces client timeouts).
- ``Drop()``: close the connection without any response.

Options: ``reject_formats={"json_schema": (500, "...")}`` answers every request whose
``response_format.type`` is listed with that error without consuming the queue (like
llama-cpp-python's server, see ``LLAMA_CPP_JSON_SCHEMA_ERROR``); ``latency=0.2`` delays every
chat reply by that many seconds without holding up other requests; ``record=False`` keeps
no requests (long benchmarks).
Every request, chat or not, is recorded in ``stub.requests`` (method, path, headers, json,
time). ``match_responder`` builds a default responder that picks a reply by text found in the
prompt (e.g. the gold claims of whichever fixture article is being asked about).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

LLAMA_CPP_JSON_SCHEMA_ERROR = (
    500,
    "Internal Server Error: response_format type 'json_schema' is not supported",
)


@dataclass(frozen=True)
class Reply:
    content: str | None
    finish_reason: str = "stop"
    refusal: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class HttpError:
    status: int
    message: str = "stub error"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Any = None  # any queue item; None means the default responder


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    time: float

    def messages(self) -> list[dict[str, Any]]:
        return list(self.json.get("messages", [])) if isinstance(self.json, dict) else []

    def prompt_text(self) -> str:
        """All message contents joined: what the model was shown."""
        return "\n".join(str(m.get("content") or "") for m in self.messages())


Responder = Callable[[dict[str, Any]], Any]


def _empty_reply(_request: dict[str, Any]) -> Any:
    return {"claims": []}


def match_responder(table: Mapping[str, Any], fallback: Any = None) -> Responder:
    """Reply with table[key] for the first key found in the prompt's last user message.

    Keys are text snippets (e.g. an article's first paragraph); values are queue items.
    No match answers ``fallback`` (default ``{"claims": []}``).
    """

    def respond(request: dict[str, Any]) -> Any:
        users = [m for m in request.get("messages", []) if m.get("role") == "user"]
        text = str(users[-1].get("content") or "") if users else ""
        for key, item in table.items():
            if key in text:
                return item
        return {"claims": []} if fallback is None else fallback

    return respond


class StubServer:
    """Context manager running the stub on its own event loop in a background thread.

    One asyncio loop serves every connection (HTTP/1.1 keep-alive): delays and ``latency``
    are non-blocking sleeps, so hundreds of concurrent requests cost no threads and the
    stub adds well under a millisecond per request (it is the yardstick of the benchmark).
    """

    def __init__(
        self,
        *,
        default: Responder | None = None,
        latency: float = 0.0,
        reject_formats: Mapping[str, tuple[int, str] | int] | None = None,
        models: Iterable[str] = ("stub-model",),
        record: bool = True,
    ) -> None:
        self.default: Responder = default or _empty_reply
        self.record = record  # False for long benchmarks: `requests` would grow without end
        self.latency = latency
        self.reject_formats = dict(reject_formats or {})
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Any] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._port = 0
        self._counter = 0
        from batch_api_stub import BatchApi  # the /v1/files and /v1/batches half

        self.batch_api = BatchApi(self.answer)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> StubServer:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
            )
            self._port = int(self._server.sockets[0].getsockname()[1])
            ready.set()
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, daemon=True, name="stub-server")
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._handlers):
                task.cancel()  # wakes handlers sleeping in Delay/latency
            await asyncio.gather(*self._handlers, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        thread.join(10)

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port, "stub not started"
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting -------------------------------------------------------------------------

    def queue(self, *items: Any) -> None:
        with self._lock:
            self._queue.extend(items)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- serving ---------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Serve one request; False closes the connection."""
        line = await reader.readline()
        if not line.strip():
            return False
        method, path, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        payload = await reader.readexactly(length) if length else b""
        multipart = headers.get("content-type", "").startswith("multipart/")
        try:
            body: Any = json.loads(payload) if payload and not multipart else None
        except ValueError:
            body = {"_unparsed": payload.decode("utf-8", "replace")}
        if self.record:
            with self._lock:
                self.requests.append(RecordedRequest(method, path, headers, body, time.monotonic()))

        route = path.split("?", 1)[0].rstrip("/")
        if "/files" in route or "/batches" in route:
            status, text = self.batch_api.handle(method, route, headers, payload, body)
            return await _send(writer, status, text)
        if method == "GET" and route.endswith("/models"):
            listed = [
                {"id": m, "object": "model", "created": 0, "owned_by": "stub"} for m in self.models
            ]
            return await _send(writer, 200, json.dumps({"object": "list", "data": listed}))
        if method != "POST" or not route.endswith("/chat/completions"):
            return await _send(writer, 404, _error_body("not found", 404))

        request = body if isinstance(body, dict) else {}
        if self.latency:
            await asyncio.sleep(self.latency)
        item = self._next_item(request)
        while isinstance(item, Delay):
            await asyncio.sleep(item.seconds)
            item = item.then if item.then is not None else self.default(request)
        if isinstance(item, Drop):
            writer.transport.abort()  # no status line, no body: a dropped connection
            return False
        if reader.at_eof():  # the client gave up (timeout) while we waited
            return False
        if isinstance(item, HttpError):
            text = item.body if item.body is not None else _error_body(item.message, item.status)
            return await _send(writer, item.status, text, item.headers)
        if isinstance(item, dict):
            item = Reply(json.dumps(item))
        elif isinstance(item, str):
            item = Reply(item)
        if not isinstance(item, Reply):
            raise TypeError(f"unknown stub item: {item!r}")
        return await _send(writer, 200, json.dumps(self._completion(item, request)))

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """What a chat request gets, as (status, JSON body), without waiting: the Batch API
        half answers every request of a batch through here, as the live half would."""
        item = self._next_item(body)
        while isinstance(item, Delay):
            item = item.then if item.then is not None else self.default(body)
        if isinstance(item, HttpError):
            text = item.body if item.body is not None else _error_body(item.message, item.status)
            return item.status, json.loads(text)
        if isinstance(item, dict):
            item = Reply(json.dumps(item))
        elif isinstance(item, str):
            item = Reply(item)
        if not isinstance(item, Reply):
            raise TypeError(f"the Batch API stub cannot answer with {item!r}")
        return 200, self._completion(item, body)

    def _next_item(self, body: dict[str, Any]) -> Any:
        fmt = body.get("response_format")
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind in self.reject_formats:
            rule = self.reject_formats[kind]
            status, message = (
                rule if isinstance(rule, tuple) else (rule, f"response_format {kind} rejected")
            )
            return HttpError(status, message)
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.default(body)

    def _completion(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
        prompt_tokens = (
            reply.prompt_tokens if reply.prompt_tokens is not None else prompt_chars // 4
        )
        completion_tokens = (
            reply.completion_tokens
            if reply.completion_tokens is not None
            else len(reply.content or "") // 4
        )
        with self._lock:
            self._counter += 1
            number = self._counter
        return {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": reply.content,
                        "refusal": reply.refusal,
                    },
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


async def _send(
    writer: asyncio.StreamWriter,
    status: int,
    text: str,
    headers: Mapping[str, str] | None = None,
) -> bool:
    """Write one complete response in a single write; True keeps the connection open."""
    data = text.encode("utf-8")
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    lines = [
        f"HTTP/1.1 {status} {phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        *(f"{key}: {value}" for key, value in (headers or {}).items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()
    return True


def _error_body(message: str, status: int) -> str:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}})

"""A scriptable OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

openai 3.x sends requests through httpx2, which httpx mocks (respx) never see, so tests talk
to a real server instead. It speaks just enough of the API for stancetrack:
``POST /v1/chat/completions`` and ``GET /v1/models``.

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
chat reply by that many seconds in its own thread (other requests proceed meanwhile).
Every request, chat or not, is recorded in ``stub.requests`` (method, path, headers, json,
time). ``match_responder`` builds a default responder that picks a reply by text found in the
prompt (e.g. the gold claims of whichever fixture article is being asked about).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    """Context manager running the stub in a background thread (see the module docstring)."""

    def __init__(
        self,
        *,
        default: Responder | None = None,
        latency: float = 0.0,
        reject_formats: Mapping[str, tuple[int, str] | int] | None = None,
        models: Iterable[str] = ("stub-model",),
    ) -> None:
        self.default: Responder = default or _empty_reply
        self.latency = latency
        self.reject_formats = dict(reject_formats or {})
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Any] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> StubServer:
        stub = self

        class Handler(_Handler):
            server_stub = stub

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.block_on_close = False
        server.request_queue_size = 512  # bursts of concurrent connects must not hit SYN drops
        server.server_bind()
        server.server_activate()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name="stub"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in Delay/latency
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return int(self._server.server_address[1])

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

    # -- internals used by the handler -----------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

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

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it is stopping."""
        return self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers
    server_stub: StubServer

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr noise
        pass

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"_unparsed": raw.decode("utf-8", "replace")}

    def _record(self, body: Any) -> None:
        self.server_stub._record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                json=body,
                time=time.monotonic(),
            )
        )

    def _send(self, status: int, payload: str, headers: Mapping[str, str] | None = None) -> None:
        data = payload.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed the socket
            self.close_connection = True

    def do_GET(self) -> None:
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            models = [
                {"id": m, "object": "model", "created": 0, "owned_by": "stub"}
                for m in self.server_stub.models
            ]
            self._send(200, json.dumps({"object": "list", "data": models}))
        else:
            self._send(404, _error_body("not found", 404))

    def do_POST(self) -> None:
        body = self._read_json()
        self._record(body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, _error_body("not found", 404))
            return
        stub = self.server_stub
        if stub.latency and stub._sleep(stub.latency):
            return
        item = stub._next_item(body if isinstance(body, dict) else {})
        self._answer(item, body if isinstance(body, dict) else {})

    def _answer(self, item: Any, body: dict[str, Any]) -> None:
        stub = self.server_stub
        while isinstance(item, Delay):
            if stub._sleep(item.seconds):
                return
            item = item.then if item.then is not None else stub.default(body)
        if isinstance(item, Drop):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(item, HttpError):
            payload = item.body if item.body is not None else _error_body(item.message, item.status)
            self._send(item.status, payload, item.headers)
            return
        if isinstance(item, dict):
            item = Reply(json.dumps(item))
        elif isinstance(item, str):
            item = Reply(item)
        if not isinstance(item, Reply):
            raise TypeError(f"unknown stub item: {item!r}")
        self._send(200, json.dumps(self._completion(item, body)))

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
        return {
            "id": f"chatcmpl-stub-{self.server_stub._next_id()}",
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


def _error_body(message: str, status: int) -> str:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}})

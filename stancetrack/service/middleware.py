"""ASGI middleware: a request body size limit, one log line per request, security headers.

Plain ASGI (not BaseHTTPMiddleware) so bodies stream through and are counted as they come.
The log line never includes headers (the bearer token travels in one), and shows the
request's path escaped: a `%0A` or `%1B` in a URL must not forge a line or drive a terminal.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("stancetrack.service.access")

# The dashboard runs only our own files: no inline script, no remote anything.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


# What a log line shows escaped: C0 and C1 controls, DEL, line and paragraph separators,
# bidi controls, and the backslash itself (so an escape in the log is never ambiguous).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\\\\\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x5C:
        return "\\\\"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def loggable(text: str) -> str:
    """`text` on one log line: every control character as an escape (`\\x0a`, `\\x1b`)."""
    return _UNSAFE.sub(_escape, text)


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parsing passes
    it on as a 413 instead of calling it a parse error."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _error(status: int, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": message}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS],
    }
    return start, {"type": "http.response.body", "body": body}


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        limit = self.max_body_bytes
        declared = _content_length(scope)
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        where = f"{scope.get('method', '?')} {path}{'?' + query if query else ''}"

        async def send_wrapped(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        seen = 0

        async def receive_counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            if _has_nul(scope):
                start, body = _error(400, "NUL characters are not allowed in the URL")
                status = 400
                await send(start)
                await send(body)
                return
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            await self.app(scope, receive_counted, send_wrapped)
        except BodyTooLarge as exc:
            start, body = _error(413, str(exc.detail))
            status = 413
            await send(start)
            await send(body)
        finally:
            client = scope.get("client") or ("-", 0)
            ms = (time.perf_counter() - started) * 1000
            log.info(
                '%s "%s" %d %.1fms', loggable(str(client[0])), loggable(where[:300]), status, ms
            )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _has_nul(scope: Scope) -> bool:
    """A NUL in the path or query: no name or text holds one, and PostgreSQL refuses it."""
    raw = scope.get("raw_path") or b""
    query = scope.get("query_string") or b""
    return "\x00" in scope.get("path", "") or b"%00" in raw or b"%00" in query

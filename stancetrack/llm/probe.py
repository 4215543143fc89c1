"""Probe an OpenAI-compatible endpoint: is it there, what does it serve, what does it accept.

`stancetrack check` prints this report so a user can see what their server supports before
a long batch. One GET /models (reachability, listed models, a network round trip), then one
tiny chat request per structured-output mode, in the shape the extraction backend sends it:

- ``json_schema``: ``response_format={"type": "json_schema", "json_schema": {...strict}}``
- ``json_object``: ``response_format={"type": "json_object", "schema": {...}}``
- ``plain``: no response_format at all

A mode is *accepted* when the server answers 2xx; whether the reply was valid JSON is
reported alongside (a small base model may answer anything in plain mode). Every request
goes out once: no retries, the SDK's own switched off, so the report shows the server's
first answer. Nothing here ever includes the API key: server messages are redacted.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
from openai import OpenAI
from openai.types.chat import ChatCompletion

from stancetrack.errors import ConfigError
from stancetrack.llm.modes import JSON_OBJECT, JSON_SCHEMA, MODES
from stancetrack.llm.openai_backend import DEFAULT_BASE_URL, endpoint_host
from stancetrack.llm.retries import describe
from stancetrack.settings import Settings

DEFAULT_TIMEOUT = 60.0
PROBE_MAX_TOKENS = 16
_PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
_PROBE_PROMPT = 'Reply with exactly this JSON object and nothing else: {"ok": true}'
_RESPONSE_FORMATS: dict[str, dict[str, Any]] = {
    JSON_SCHEMA: {
        "type": "json_schema",
        "json_schema": {"name": "stancetrack_probe", "schema": _PROBE_SCHEMA, "strict": True},
    },
    JSON_OBJECT: {"type": "json_object", "schema": _PROBE_SCHEMA},
}


@dataclass(slots=True)
class ModeResult:
    """One structured-output mode: accepted (2xx) or not, and what the server said."""

    ok: bool
    status: int | None
    detail: str | None
    latency_ms: float
    valid_json: bool | None = None  # the reply parsed as JSON (None when not accepted)


@dataclass(slots=True)
class ProbeReport:
    """What `stancetrack check` prints (as JSON: ``as_json()``)."""

    endpoint: str
    host: str
    model: str
    reachable: bool
    reason: str | None
    latency_ms: float | None
    models: list[str]
    model_listed: bool | None
    modes: dict[str, ModeResult] = field(default_factory=dict)

    @property
    def best_mode(self) -> str | None:
        """The most constrained accepted mode: what `extract` would use."""
        return next((m for m in MODES if m in self.modes and self.modes[m].ok), None)

    @property
    def ok(self) -> bool:
        return self.reachable and self.best_mode is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "host": self.host,
            "model": self.model,
            "reachable": self.reachable,
            "reason": self.reason,
            "latency_ms": self.latency_ms,
            "models": self.models,
            "model_listed": self.model_listed,
            "modes": {name: asdict(result) for name, result in self.modes.items()},
            "best_mode": self.best_mode,
            "ok": self.ok,
        }


def public_url(base_url: str) -> str:
    """The base URL without userinfo, query or fragment (where a key could hide)."""
    parts = urlsplit(base_url)
    if not parts.scheme:
        return base_url.split("?", 1)[0]
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _Redactor:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, text: str, limit: int = 300) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def probe_endpoint(settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> ProbeReport:
    """Probe the endpoint the settings name (OPENAI_BASE_URL / key / STANCETRACK_MODEL).

    Raises ConfigError when no endpoint is configured; every network outcome, including
    an unreachable host, is part of the report rather than an exception.
    """
    if not settings.endpoint_configured():
        raise ConfigError(
            "no endpoint configured: set OPENAI_BASE_URL (or --base-url) or OPENAI_API_KEY"
        )
    base_url = settings.openai_base_url or DEFAULT_BASE_URL
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    redact = _Redactor(key)
    client = OpenAI(
        api_key=key or "no-key",  # local servers need none; the SDK insists on one
        base_url=base_url,
        max_retries=0,
        timeout=timeout,
    )
    try:
        report = ProbeReport(
            endpoint=public_url(base_url),
            host=endpoint_host(base_url),
            model=settings.model,
            reachable=False,
            reason=None,
            latency_ms=None,
            models=[],
            model_listed=None,
        )
        _list_models(client, report, redact, timeout)
        if report.reachable or report.reason is None:
            for mode in MODES:
                report.modes[mode] = _try_mode(client, settings.model, mode, redact, timeout)
            answered = [r for r in report.modes.values() if r.status is not None]
            if answered and not report.reachable:
                report.reachable = True  # /models failed but chat answered
            if report.reason is None:
                report.reason = _summary_reason(report)
        return report
    finally:
        client.close()


def _list_models(client: OpenAI, report: ProbeReport, redact: _Redactor, timeout: float) -> None:
    started = time.perf_counter()
    try:
        page = client.models.list()
        ids = [str(model.id) for model in page.data]
    except openai.APITimeoutError:
        report.reason = f"no reply from {report.host} within {timeout:g}s"
        return
    except openai.APIConnectionError as exc:
        report.reason = f"cannot reach {report.host}: {describe(exc)}"
        return
    except openai.APIStatusError as exc:
        report.latency_ms = _ms(started)
        report.reachable = True
        if exc.status_code in (401, 403):
            report.reason = _auth_reason(exc.status_code)
        # Other statuses (e.g. 404: no /models route) leave chat to decide.
        return
    except openai.OpenAIError as exc:  # a reply that is not a model list
        report.latency_ms = _ms(started)
        report.reachable = True
        report.reason = f"GET /models: {redact(str(exc))}"
        return
    report.latency_ms = _ms(started)
    report.reachable = True
    report.models = ids
    report.model_listed = report.model in ids


def _try_mode(
    client: OpenAI, model: str, mode: str, redact: _Redactor, timeout: float
) -> ModeResult:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": _PROBE_PROMPT}],
        "temperature": 0,
        "max_tokens": PROBE_MAX_TOKENS,
    }
    if mode in _RESPONSE_FORMATS:
        body["response_format"] = _RESPONSE_FORMATS[mode]
    started = time.perf_counter()
    for _ in range(2):  # a second time only to rename max_tokens for reasoning models
        try:
            completion = client.post(
                "/chat/completions",
                body=body,
                cast_to=ChatCompletion,
                options={"security": {"bearer_auth": True}},
            )
        except openai.APITimeoutError:
            return ModeResult(False, None, f"no reply within {timeout:g}s", _ms(started))
        except openai.APIConnectionError as exc:
            return ModeResult(False, None, describe(exc), _ms(started))
        except openai.APIStatusError as exc:
            message = _server_message(exc)
            renamed = "max_completion_tokens" in message and "max_tokens" in body
            if exc.status_code == 400 and renamed:
                body["max_completion_tokens"] = body.pop("max_tokens")
                continue
            return ModeResult(False, exc.status_code, redact(message), _ms(started))
        except openai.OpenAIError as exc:
            return ModeResult(False, None, redact(str(exc)), _ms(started))
        return _accepted(completion, _ms(started))
    raise AssertionError("unreachable: the loop returns")


def _server_message(exc: openai.APIStatusError) -> str:
    """The server's own message (not the SDK's "Error code: N - " wrapper), first paragraph.

    llama-cpp-python appends a Python traceback after a blank line: dropped.
    """
    body = exc.body
    text = body.get("message") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        text = str(exc.message or "")
    return text.strip().split("\n\n", 1)[0] or f"HTTP {exc.status_code}"


def _accepted(completion: ChatCompletion, latency_ms: float) -> ModeResult:
    choices = getattr(completion, "choices", None) or []
    content = ""
    if choices and getattr(choices[0], "message", None) is not None:
        content = choices[0].message.content or ""
    try:
        json.loads(content)
        valid = True
    except ValueError:
        valid = False
    detail = None if valid else "accepted; the reply was not JSON"
    return ModeResult(True, 200, detail, latency_ms, valid_json=valid)


def _auth_reason(status: int) -> str:
    if status == 401:
        return "authentication failed (HTTP 401): check OPENAI_API_KEY"
    return "permission denied (HTTP 403): check OPENAI_API_KEY and the model's access"


def _summary_reason(report: ProbeReport) -> str | None:
    """Why nothing works, when nothing does (None when some mode is accepted)."""
    if report.best_mode is not None:
        return None
    results = list(report.modes.values())
    statuses = {r.status for r in results}
    if statuses & {401, 403}:
        return _auth_reason(401 if 401 in statuses else 403)
    if 404 in statuses:
        return f"HTTP 404 for chat completions: check --model ({report.model!r}) and --base-url"
    if not report.reachable:
        first = results[0].detail if results else None
        return f"cannot reach {report.host}: {first or 'no answer'}"
    last = results[-1] if results else None
    if last is None:
        return "no structured-output mode was accepted"
    code = f"HTTP {last.status}" if last.status is not None else "no answer"
    return f"no structured-output mode was accepted (plain: {code}: {last.detail})"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)

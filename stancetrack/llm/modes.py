"""Structured-output modes, tried in order, and where the one that worked is remembered.

Servers differ: OpenAI, vLLM and Ollama accept a strict JSON schema; llama-cpp-python's
server rejects that (HTTP 500) but takes ``json_object`` with a schema; some take neither and
only get the schema described in the prompt. The backend probes once per endpoint and model
and keeps the answer in a ``ModeStore`` so later runs start with what works.
"""

from __future__ import annotations

from typing import Final, Protocol

JSON_SCHEMA: Final = "json_schema"
JSON_OBJECT: Final = "json_object"
PLAIN: Final = "plain"

# Most to least constrained; negotiation only ever moves down this list.
MODES: Final[tuple[str, ...]] = (JSON_SCHEMA, JSON_OBJECT, PLAIN)


class ModeStore(Protocol):
    """Remembers the structured-output mode per (endpoint host, model)."""

    def get(self, endpoint: str, model: str) -> str | None: ...

    def set(self, endpoint: str, model: str, mode: str) -> None: ...


class MemoryModeStore:
    """A ModeStore for one process (tests, library use without a database)."""

    def __init__(self) -> None:
        self._modes: dict[tuple[str, str], str] = {}

    def get(self, endpoint: str, model: str) -> str | None:
        return self._modes.get((endpoint, model))

    def set(self, endpoint: str, model: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown output mode {mode!r}")
        self._modes[(endpoint, model)] = mode


def modes_from(start: str | None) -> tuple[str, ...]:
    """The modes to try, starting at a remembered one (all of them when unknown)."""
    if start not in MODES:
        return MODES
    return MODES[MODES.index(start) :]

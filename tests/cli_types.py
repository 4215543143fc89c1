"""The types of the `cli` fixture (conftest.py), for tests to annotate it with: `cli: RunCli`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass
class CliResult:
    """One in-process run of the CLI: its exit code and what it wrote to each stream."""

    exit_code: int
    stdout: str
    stderr: str


class RunCli(Protocol):
    """cli(["articles", "--format", "json"], stdin=b"...") -> CliResult."""

    def __call__(self, args: Sequence[str | Path], stdin: bytes | None = None) -> CliResult: ...

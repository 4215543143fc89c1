"""Shared by the fault-matrix row tests (issue 11): articles, running the CLI for real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "fixtures" / "articles"
# Two fixture articles the rules backend finds claims in.
GOOD = sorted(ARTICLES.glob("*.txt"))[:2]


def copy_good(into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(path, into / path.name)) for path in GOOD]


def env(**extra: str) -> dict[str, str]:
    """The environment of a real `stancetrack` subprocess: none of the developer's settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STANCETRACK_"))}
    return {**base, "PYTHONPATH": str(REPO), **extra}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "stancetrack", *args]


def run(*args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), env=env(**extra), capture_output=True, text=True, timeout=timeout
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def scalar(db_url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def summary(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)
    return data


SECRET = "sk-test-hardening-secret-0123456789abcdef"


def claim(quote: str, **fields: Any) -> dict[str, Any]:
    """One reply item in the wire schema, quoting `quote`."""
    item: dict[str, Any] = {
        "speaker": "Jens Stoltenberg",
        "actor": "Jens Stoltenberg",
        "actor_type": "person",
        "quote": quote,
        "claim": "NATO's door stays open.",
        "attribution": "direct",
        "rationale": "Defends the right to join.",
        "stance": "support",
        "confidence": 0.9,
    }
    item.update(fields)
    return item


def extract_args(base_url: str, db_url: str, *paths: Any) -> list[Any]:
    return [
        "extract", *paths, "--base-url", base_url, "--model", "stub-model",
        "--db", db_url, "--format", "json",
    ]  # fmt: skip

"""The rules backend on every fixture article: verbatim quotes, exact offsets, and the
outcome `compare` depends on (Putin and Lavrov oppose NATO expansion)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from stancetrack.grounding import ground_quote
from stancetrack.ingest.readers import read_file
from stancetrack.llm.base import ExtractionRequest
from stancetrack.llm.rules import RulesBackend

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLES = sorted((FIXTURES / "articles").glob("*.txt")) + sorted(
    p for p in (FIXTURES / "formats").iterdir() if p.is_file()
)


def _text(path: Path) -> str:
    item = next(iter(read_file(path, max_bytes=10_000_000)))
    assert not isinstance(item, Exception), item
    return item.text


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_quotes_are_verbatim_and_windows_exact(path: Path) -> None:
    text = _text(path)
    reply = asyncio.run(RulesBackend().extract(ExtractionRequest("", text, "NATO expansion")))
    assert len(reply.claims) == len(reply.windows)
    for claim, window in zip(reply.claims, reply.windows, strict=True):
        assert window is not None
        assert text[window[0] : window[1]] == claim.quote
        found = ground_quote(text, claim.quote, window=window)
        assert found is not None and (found.start, found.end) == window
        assert claim.speaker in text
        assert "\n" not in claim.quote


def _overall(stances: list[str]) -> str:
    seen = set(stances)
    if "support" in seen and "oppose" in seen:
        return "mixed"
    return next((s for s in ("support", "oppose", "neutral") if s in seen), "none")


def test_putin_and_lavrov_come_out_opposing_nato_expansion() -> None:
    per_actor: dict[str, list[str]] = defaultdict(list)
    backend = RulesBackend()
    for path in sorted((FIXTURES / "articles").glob("*.txt")):
        text = _text(path)
        reply = asyncio.run(backend.extract(ExtractionRequest("", text, "NATO expansion")))
        for claim in reply.claims:
            per_actor[claim.actor].append(claim.stance.value)
    assert _overall(per_actor["Vladimir Putin"]) == "oppose"
    assert _overall(per_actor["Sergey Lavrov"]) == "oppose"
    assert _overall(per_actor["Jens Stoltenberg"]) in ("support", "mixed")

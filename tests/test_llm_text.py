"""Pure helpers of the LLM layer: chunking long texts and parsing raw replies."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from stancetrack.llm.chunking import CHARS_PER_TOKEN, estimate_tokens, split_text
from stancetrack.llm.replies import parse_reply, salvage

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"


def covered(text: str, windows: list[tuple[int, int]]) -> bool:
    """Every non-space character lies in some window."""
    hit = [False] * len(text)
    for start, end in windows:
        for i in range(start, end):
            hit[i] = True
    return all(hit[i] or text[i].isspace() for i in range(len(text)))


def test_short_text_is_one_chunk() -> None:
    chunks = split_text("Short text.", 100)
    assert [(c.start, c.end, c.text) for c in chunks] == [(0, 11, "Short text.")]
    assert estimate_tokens("abcdefgh") == 2


@pytest.mark.parametrize("budget", [200, 350, 600])
def test_seed_article_chunks_cover_text_within_budget(budget: int) -> None:
    text = "\n".join(SEED.read_text(encoding="utf-8").splitlines()[3:])
    chunks = split_text(text, budget)
    assert len(chunks) > 1 or len(text) <= budget * CHARS_PER_TOKEN
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text) <= budget * CHARS_PER_TOKEN
        # Boundaries fall on paragraph edges.
        assert chunk.start == 0 or text[chunk.start - 1] == "\n"
        assert chunk.end == len(text) or text[chunk.end] == "\n"
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert covered(text, [c.window for c in chunks])
    for left, right in itertools.pairwise(chunks):
        assert left.start < right.start and right.start < left.end  # one paragraph of overlap


def test_overlong_paragraph_splits_on_sentences_then_words() -> None:
    sentences = [f"Sentence number {i} says something about the alliance." for i in range(40)]
    run_on = "word " * 300
    text = " ".join(sentences) + "\n" + run_on.strip()
    chunks = split_text(text, 50, overlap=0)
    assert all(len(c.text) <= 200 for c in chunks)
    assert covered(text, [c.window for c in chunks])
    inside_first_paragraph = [c for c in chunks if c.end <= len(" ".join(sentences))]
    assert all(c.text.endswith(".") for c in inside_first_paragraph)


def test_reply_parsing_tolerates_wrappers() -> None:
    one: dict[str, object] = {
        "speaker": "he",
        "actor": "A B",
        "quote": "q",
        "claim": "c",
        "stance": "SUPPORT",
        "confidence": 0.5,
    }
    for raw in (
        json.dumps({"claims": [one]}),
        f"```json\n{json.dumps({'claims': [one]})}\n```",
        f"Sure! Here it is: {json.dumps({'claims': [one]})} Hope it helps.",
        json.dumps([one]),
        json.dumps(one),
    ):
        parsed = parse_reply(raw)
        assert parsed.error is None, raw
        assert [c.stance.value for c in parsed.claims] == ["support"]
    assert parse_reply('{"claims": []}').claims == []
    assert parse_reply("no json here").error is not None
    assert parse_reply('{"answer": 1}').error is not None
    assert parse_reply('{"claims": "none"}').error is not None


def test_salvage_keeps_complete_claims_only() -> None:
    a: dict[str, object] = {"speaker": "s", "actor": "a", "quote": "q1", "claim": "c"}
    a.update(stance="neutral", confidence=0.3)
    b = dict(a, quote="q2")
    text = json.dumps({"claims": [a, b]})
    cut = text[: text.rfind("q2") + 1]
    assert [c.quote for c in salvage(cut).claims] == ["q1"]
    assert salvage('{"claims": [{"spe').claims == []

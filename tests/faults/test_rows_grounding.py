"""Fault matrix, grounding row: the same quote 100 times in one article (issue 11).

Every occurrence is grounded (one claim per occurrence, each at its own offsets), and a
claim beyond the occurrences is rejected with its reason: never dropped silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rows_support import SECRET, claim, extract_args, rows, summary

from stancetrack.grounding import DUPLICATE_QUOTE, ArticleText, GroundedSpan, Rejection

pytestmark = pytest.mark.faults

QUOTE = "NATO's door remains open to new members"
TIMES = 100


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def test_the_same_quote_100_times_is_grounded_at_every_occurrence(
    cli: Any, stub: Any, db_url: str, tmp_path: Path
) -> None:
    text = "\n".join(f"Paragraph {i}: Stoltenberg said {QUOTE}." for i in range(TIMES))
    article = tmp_path / "repeat.json"
    article.write_text(json.dumps({"title": "Repeat", "text": text}), encoding="utf-8")
    stub.queue({"claims": [claim(QUOTE) for _ in range(TIMES + 1)]})
    done = cli(extract_args(stub.base_url, db_url, article))
    assert done.exit_code == 0, done.stderr
    counts = summary(done.stdout)
    assert (counts["claims"], counts["rejected"]) == (TIMES, 1)
    stored = rows(db_url, 'SELECT start, "end", quote FROM claims ORDER BY start')
    assert len({start for start, _, _ in stored}) == TIMES
    body = rows(db_url, "SELECT text FROM articles")[0][0]
    assert all(body[s:e] == q == QUOTE for s, e, q in stored)
    assert rows(db_url, "SELECT reason FROM rejected_claims") == [(DUPLICATE_QUOTE,)]
    assert rows(db_url, "SELECT claims_count, rejected_count FROM runs") == [(TIMES, 1)]


def test_occurrences_taken_by_a_speaker_are_skipped() -> None:
    article = ArticleText(f"A: {QUOTE}. B: {QUOTE}.")
    first = article.ground(QUOTE)
    assert isinstance(first, GroundedSpan)
    second = article.ground(QUOTE, taken={(first.start, first.end)})
    assert isinstance(second, GroundedSpan) and second.start > first.start
    third = article.ground(
        QUOTE.upper(), taken={(first.start, first.end), (second.start, second.end)}
    )
    assert isinstance(third, Rejection) and third.reason == DUPLICATE_QUOTE

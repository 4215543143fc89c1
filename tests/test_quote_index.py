"""Grounding and speaker evidence with per-article indexes give what the scans gave.

tests/data/grounding_recorded.json holds every span, alignment, score, speaker mention and
evidence status (and every rejection) of the fixture articles (gold and rules replies) and
of generated quote-dense articles, recorded on the code before the indexes
(tests/record_grounding.py); any difference fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from record_grounding import cases, outcome

RECORDED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "grounding_recorded.json").read_text(encoding="utf-8")
)
CASES = cases()


def test_every_recorded_case_is_rebuilt() -> None:
    assert sorted(CASES) == sorted(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_same_as_recorded(name: str) -> None:
    text, reply = CASES[name]
    assert outcome(text, reply) == RECORDED[name]


def test_recorded_cases_cover_every_status() -> None:
    statuses = {row[6] for case in RECORDED.values() for row in case["found"]}
    alignments = {row[2] for case in RECORDED.values() for row in case["found"]}
    assert statuses == {"cue", "nearby", "absent"}
    assert alignments == {"exact", "normalized", "fuzzy"}
    assert any(row[4] is None for case in RECORDED.values() for row in case["found"])
    assert any(case["rejected"] for case in RECORDED.values())

"""The rules backend on PolNeAR dev (../shared/eval/polnear-dev) meets the targets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stancetrack.evaluation import evaluate, load_gold
from stancetrack.llm.rules import RulesBackend

POLNEAR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "polnear-dev"


@pytest.mark.skipif(not (POLNEAR / "attributions").is_dir(), reason="PolNeAR dev not present")
def test_rules_meet_targets_on_polnear_dev() -> None:
    result = asyncio.run(evaluate(RulesBackend(), load_gold(POLNEAR), target="NATO expansion"))
    scores = result.scores
    assert scores.documents == 84
    # The targets are 0.60 / 0.75; the floors sit just under today's dev figures (0.7523,
    # strict 0.7209, precision 0.9498, speaker 0.8194: EVALUATION.md, Issue 19 fourth pass)
    # so a regression of the rules shows here.
    assert scores.overlap.f1 >= 0.75, scores.overlap.as_dict()
    assert scores.overlap.strict_f1 >= 0.72, scores.overlap.as_dict()  # fragments as errors
    assert scores.overlap.precision >= 0.945, scores.overlap.as_dict()
    assert scores.speaker_accuracy >= 0.815, scores.speaker_accuracy
    assert result.ungrounded == 0

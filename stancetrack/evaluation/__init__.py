"""Evaluation: score any backend against gold (the project's fixtures or PolNeAR brat).

`load_gold(path)` reads a gold directory; `evaluate(backend, gold, target=...)` runs the
backend on the texts (no database), grounds its quotes and returns the scores.
"""

from __future__ import annotations

from pathlib import Path

from stancetrack.errors import InputError
from stancetrack.evaluation.brat import is_brat_dir, read_brat
from stancetrack.evaluation.model import GoldClaim, GoldDocument, GoldSet, PredictedClaim
from stancetrack.evaluation.project_gold import is_project_gold, read_project_gold
from stancetrack.evaluation.runner import EvalResult, evaluate


def load_gold(path: Path, *, annotators: str = "first") -> GoldSet:
    """A PolNeAR-style directory (text/ + attributions/) or project gold (*.json)."""
    if not path.is_dir():
        raise InputError(str(path), "gold must be a directory")
    if is_brat_dir(path):
        return read_brat(path, annotators=annotators)
    if is_project_gold(path):
        return read_project_gold(path)
    raise InputError(
        str(path),
        "not a gold directory: expected text/ + attributions/ (brat) or *.json "
        "gold files with an articles/ directory beside them",
    )


__all__ = [
    "EvalResult",
    "GoldClaim",
    "GoldDocument",
    "GoldSet",
    "PredictedClaim",
    "evaluate",
    "load_gold",
]

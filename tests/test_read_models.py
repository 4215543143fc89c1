"""The read models (stancetrack/db/read_models.py) are the one definition of each answer.

The CLI's JSON is exactly what its model dumps (key for key, in order), the API declares the
same classes, the claims CSV has one layout (docs/CONTRACTS.md, "Claims CSV") whichever
command writes it, and a claim's speaker evidence has one default.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from analysis_corpus import gold_claims
from pydantic import BaseModel

from stancetrack.db import read_models
from stancetrack.db.read_models import (
    CLAIM_CSV_COLUMNS,
    ActorOut,
    ArticleOut,
    ArticleRefOut,
    ChangeOut,
    ClaimCsvRow,
    ClaimOut,
    DiffOut,
    TimelineOut,
    dump,
)

pytest_plugins = ["analysis_corpus"]  # the corpus_url fixture

GOLD = gold_claims()
PACKAGE = Path(__file__).resolve().parents[1] / "stancetrack"


def _run(cli: Any, *args: str) -> str:
    result = cli(list(args))
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def _same_json(model: type[BaseModel], answer: Any) -> None:
    """`answer` is its model's dump: same keys in the same order, same values."""
    again = dump(model.model_validate(answer))
    assert json.dumps(again, ensure_ascii=False) == json.dumps(answer, ensure_ascii=False)


ROWS: list[tuple[list[str], type[BaseModel]]] = [
    (["claims"], ClaimOut),
    (["claims", "--subject", "Finland"], ClaimOut),
    (["articles"], ArticleOut),
    (["actors"], ActorOut),
    (["changes"], ChangeOut),
    (["changes", "--per", "story"], ChangeOut),
]


@pytest.mark.parametrize(("args", "model"), ROWS, ids=lambda v: str(v))
def test_list_answers_are_their_read_models_dumps(
    cli: Any, corpus_url: str, args: list[str], model: type[BaseModel]
) -> None:
    rows = json.loads(_run(cli, *args, "--db", corpus_url, "-f", "json"))
    assert rows, "the question must have an answer"
    for row in rows:
        _same_json(model, row)


def test_documents_are_their_read_models_dumps(cli: Any, corpus_url: str) -> None:
    diff = json.loads(_run(cli, "diff", "1", "2", "--db", corpus_url, "-f", "json"))
    assert diff["actors"]
    _same_json(DiffOut, diff)
    for args in (["Putin"], ["Putin", "--per", "story"], ["Putin", "--subject", "Finland"]):
        timeline = json.loads(_run(cli, "timeline", *args, "--db", corpus_url, "-f", "json"))
        _same_json(TimelineOut, timeline)
    story = json.loads(_run(cli, "timeline", "Putin", "--per", "story", "--db", corpus_url))
    assert {"story", "copies", "outlets"} <= set(story["points"][0])
    plain = json.loads(_run(cli, "timeline", "Putin", "--db", corpus_url, "-f", "json"))
    assert "story" not in plain["points"][0] and "subject" not in plain


def test_internal_fields_stay_out_of_the_json() -> None:
    ref = ArticleRefOut(id=1, title="T", url=None, published=None, outlet="example.com")
    assert list(dump(ref)) == ["id", "title", "url", "published"]
    claim = ClaimOut(
        id=5,
        target="NATO expansion",
        outlet="example.com",
        article=ref,
        actor="A",
        speaker="a",
        quote="q",
        start=0,
        end=1,
        claim="c",
        attribution="direct",
        stance="support",
        confidence=0.5,
        actor_id=9,
        run_id=3,
    )
    assert claim.actor_id == 9 and claim.article.outlet == "example.com"
    assert "actor_id" not in dump(claim) and "run_id" not in dump(claim)
    assert dump(claim)["speaker_evidence"] == "unknown" and dump(claim)["subjects"] == []


def test_one_speaker_evidence_default() -> None:
    from stancetrack.db.models import Claim
    from stancetrack.evaluation.model import PredictedClaim
    from stancetrack.speaker_evidence import UNKNOWN

    server_default = Claim.__table__.c.speaker_evidence.server_default
    assert server_default is not None and server_default.arg == UNKNOWN  # type: ignore[attr-defined]
    assert ClaimOut.model_fields["speaker_evidence"].default == UNKNOWN
    assert PredictedClaim((0, 1), "s", "a", "neutral", 0.5).speaker_evidence == UNKNOWN


def test_the_api_declares_the_read_models() -> None:
    from stancetrack.service import schemas

    for name in schemas.__all__:
        assert getattr(schemas, name) is getattr(read_models, name), name
    assert schemas.ClaimsPage.model_fields["items"].annotation == list[ClaimOut]


# -- the claims CSV ----------------------------------------------------------------------------


def test_claims_csv_is_the_export_layout(cli: Any, corpus_url: str) -> None:
    """`claims -f csv` writes `export`'s layout: the same bytes for the same selection."""
    claims = _run(cli, "claims", "--actor", "Putin", "--db", corpus_url, "-f", "csv")
    export = _run(cli, "export", "--actor", "Putin", "--db", corpus_url, "-f", "csv")
    assert claims == export
    rows = list(csv.DictReader(io.StringIO(claims)))
    assert list(rows[0]) == list(CLAIM_CSV_COLUMNS)
    assert len(rows) == sum(c.actor == "Vladimir Putin" for c in GOLD)
    limited = _run(cli, "claims", "--limit", "3", "--db", corpus_url, "-f", "csv")
    everything = _run(cli, "claims", "--db", corpus_url, "-f", "csv")
    assert limited.splitlines() == everything.splitlines()[:4]  # header + 3, reading order


def test_claims_csv_rows_match_the_claims_json(cli: Any, corpus_url: str) -> None:
    """The CSV names the JSON's fields as `ClaimCsvRow` does (article_* flattened, claim_id)."""
    rows = list(csv.DictReader(io.StringIO(_run(cli, "claims", "--db", corpus_url, "-f", "csv"))))
    answer = json.loads(_run(cli, "claims", "--db", corpus_url, "-f", "json"))
    assert len(rows) == len(answer) == len(GOLD)
    for row, claim in zip(rows, answer, strict=True):
        assert int(row["claim_id"]) == claim["id"]
        assert row["article_outlet"] == (claim["outlet"] or "")
        assert int(row["article_id"]) == claim["article"]["id"]
        assert row["subjects"] == "; ".join(claim["subjects"])
        for key in ("target", "actor", "stance", "speaker_evidence", "attribution"):
            assert row[key] == claim[key], key


def test_export_rows_validate_as_the_csv_row(cli: Any, corpus_url: str) -> None:
    lines = _run(cli, "export", "--db", corpus_url, "-f", "jsonl").splitlines()
    assert len(lines) == len(GOLD)
    for line in lines:
        record = json.loads(line)
        assert list(record) == list(CLAIM_CSV_COLUMNS)
        assert ClaimCsvRow.model_validate(record).model_dump(mode="json") == record


# -- no hand-written JSON on the read side -----------------------------------------------------

# Answers still built by hand: none (a run's provenance, db/repository/extraction.py, is
# built as a dict without an `as_json`).
_PENDING: set[str] = set()


def test_read_side_answers_have_no_hand_written_json() -> None:
    found = set()
    for folder in ("analysis", "db", "service"):
        for path in (PACKAGE / folder).rglob("*.py"):
            if re.search(r"def (as_json|to_dict)\(", path.read_text(encoding="utf-8")):
                found.add(str(path.relative_to(PACKAGE)))
    assert found <= _PENDING, sorted(found - _PENDING)

"""One stance vocabulary, derived from `schemas.Stance`, everywhere stances are listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from stancetrack.analysis.stance import OVERALL, overall_from_counts
from stancetrack.analysis.timeline import LANES
from stancetrack.cli.analysis_tables import MARK
from stancetrack.cli.render import STANCE_STYLE
from stancetrack.db import Database
from stancetrack.db.repository.analysis import STANCE_NAMES, Counts
from stancetrack.schemas import STANCES, Overall, Stance

PACKAGE = Path(__file__).resolve().parents[1] / "stancetrack"


def test_every_list_of_stances_is_the_schema_vocabulary() -> None:
    assert tuple(STANCES) == tuple(s.value for s in Stance) == tuple(STANCE_NAMES)
    assert set(OVERALL) == {o.value for o in Overall} == set(LANES) == set(MARK)
    assert set(STANCE_STYLE) == set(STANCES) | set(OVERALL)
    assert list(Counts().as_dict()) == list(STANCES)
    assert overall_from_counts(dict.fromkeys(STANCES, 1)) == Overall.MIXED


def test_no_literal_stance_lists_in_the_code() -> None:
    """Stances are listed only in stancetrack/stances.py; elsewhere they are derived."""
    listing = re.compile(r"""["']support["']\s*,\s*["']oppose["']""")
    found = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "stances.py" and listing.search(p.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_cli_stance_choices_are_the_schema_stances(cli: Any, sqlite_url: str) -> None:
    Database(sqlite_url).dispose()  # an empty database: read commands never create one
    for stance in STANCES:
        result = cli(["claims", "--stance", stance, "--db", sqlite_url, "-f", "json"])
        assert result.exit_code == 0, result.stderr
    refused = cli(["claims", "--stance", "mixed", "--db", sqlite_url, "-f", "json"])
    assert refused.exit_code == 2
    assert all(s in refused.stderr for s in STANCES)


def test_the_released_prompt_and_the_report_use_the_vocabulary() -> None:
    """Data files cannot import the enum: they are checked against it instead."""
    from stancetrack.schemas import ActorType, Attribution

    css = (PACKAGE / "analysis" / "static" / "style.css").read_text(encoding="utf-8")
    for version in ("v1.md", "v2.md"):
        prompt = (PACKAGE.parent / "prompts" / "extract_claims" / version).read_text("utf-8")
        assert f'"stance": "{" | ".join(STANCES)}"' in prompt
        assert f'"attribution": "{" | ".join(a.value for a in Attribution)}"' in prompt
        assert f'"actor_type": "{" | ".join(t.value for t in ActorType)}"' in prompt
        assert re.findall(r"^- (\w+): the claim", prompt, flags=re.M) == list(STANCES)
    for name in (*STANCES, *OVERALL):
        assert f"td.st-{name}" in css or f".st-{name}" in css, name

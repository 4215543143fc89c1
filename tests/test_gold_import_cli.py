"""`import-gold` counts what it stores as `extract` counts, and says so in one line."""

from __future__ import annotations

import json
from pathlib import Path

from cli_types import RunCli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_import_gold_reports_articles_claims_and_rejections(cli: RunCli, sqlite_url: str) -> None:
    stems = sorted(p.stem for p in (FIXTURES / "gold").glob("*.json"))[:2]
    expected = sum(
        len(json.loads((FIXTURES / "gold" / f"{s}.json").read_text())["claims"]) for s in stems
    )
    articles = [FIXTURES / "articles" / f"{s}.txt" for s in stems]
    args = ["import-gold", *[FIXTURES / "gold" / f"{s}.json" for s in stems], "--db", sqlite_url]
    for a in articles:
        args += ["--articles", a]
    done = cli(args)
    assert done.exit_code == 0, done.stderr
    assert f"imported {expected} claim(s) for 2 article(s); 0 rejected" in done.stderr
    listed = json.loads(cli(["claims", "--db", sqlite_url, "--format", "json"]).stdout)
    assert len(listed) == expected

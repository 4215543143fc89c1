"""The CLI fixture itself: in-process runs see stdout and stderr separately."""

from __future__ import annotations

import json
from pathlib import Path

from cli_types import RunCli

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"


def test_version(cli: RunCli) -> None:
    result = cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("stancetrack ")


def test_articles_lists_ingested_seed(cli: RunCli, db_url: str) -> None:
    result = cli(["extract", str(SEED), "--db", db_url, "--backend", "rules", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    listed = json.loads(cli(["articles", "--db", db_url, "--format", "json"]).stdout)
    assert [a["title"] for a in listed] == [
        "Putin accuses US and NATO allies of ignoring Russias security needs"
    ]
    assert listed[0]["published"] == "2022-02-02"

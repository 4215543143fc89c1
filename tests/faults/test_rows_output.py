"""Fault matrix, output rows: spreadsheet formulas in CSV, terminal escapes in tables.

Cells of `export --format csv` (and every `--format csv`) that start with = + - @, a tab or
a carriage return are written with a leading apostrophe, so a spreadsheet shows them as
text instead of running them; tables show control characters escaped, never raw.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rows_support import SECRET, claim, extract_args

from stancetrack.analysis.cells import spreadsheet_safe
from stancetrack.cli.render import visible

pytestmark = pytest.mark.faults

FORMULAS = ["=1+2 NATO will expand", "+3 more members for NATO", "-4 for the alliance now",
            "@SUM the alliance grows"]  # fmt: skip


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def _hostile_article(tmp_path: Path, title: str, lines: list[str]) -> Path:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"title": title, "text": "\n".join(lines)}), encoding="utf-8")
    return path


def test_csv_cells_that_start_a_formula_are_neutralised(
    cli: Any, stub: Any, db_url: str, tmp_path: Path
) -> None:
    article = _hostile_article(tmp_path, '=HYPERLINK("http://x")', FORMULAS)
    stub.queue({"claims": [claim(q, speaker="@admin", actor="Jens Stoltenberg") for q in FORMULAS]})
    done = cli(extract_args(stub.base_url, db_url, article))
    assert done.exit_code == 0, done.stderr
    for command in (["export", "--format", "csv"], ["claims", "--format", "csv"]):
        out = cli([*command, "--db", db_url])
        assert out.exit_code == 0, out.stderr
        cells = [cell for row in csv.reader(io.StringIO(out.stdout)) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
        quotes = {c for c in cells if c.lstrip("'") in FORMULAS}
        assert quotes == {"'" + q for q in FORMULAS}
        assert '\'=HYPERLINK("http://x")' in cells
    # JSON keeps the stored values as they are: only spreadsheets need the apostrophe.
    data = json.loads(cli(["claims", "--format", "json", "--db", db_url]).stdout)
    assert sorted(c["quote"] for c in data) == sorted(FORMULAS)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("=A1", "'=A1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("a=b", "a=b"), ("", ""), (-1.5, -1.5), (3, 3)],
)  # fmt: skip
def test_spreadsheet_safe(value: object, shown: object) -> None:
    assert spreadsheet_safe(value) == shown


def test_terminal_escapes_in_titles_and_quotes_are_shown_escaped(
    cli: Any, stub: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide tables: the escaped title stays on one line
    quote = "NATO \x1b[2J\x1b]0;pwned\x07 will expand \x9b31m now"
    title = "Title \x1b[31mRED\x1b[0m \u202eevil"
    article = _hostile_article(tmp_path, title, [quote, "Other words here."])
    stub.queue({"claims": [claim(quote)]})
    done = cli(extract_args(stub.base_url, db_url, article))
    assert done.exit_code == 0, done.stderr
    for command in (["claims"], ["articles"], ["actors"], ["runs"], ["runs", "show", "1"],
                    ["compare"], ["timeline", "Stoltenberg"]):  # fmt: skip
        out = cli([*command, "--db", db_url, "--format", "table"])
        assert out.exit_code == 0, (command, out.stderr)
        shown = out.stdout + out.stderr
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown, command
        assert "\u202e" not in shown, command
    table = cli(["articles", "--db", db_url, "--format", "table"]).stdout
    assert "Title \\x1b[31mRED\\x1b[0m \\u202eevil" in table


def test_visible() -> None:
    assert visible("a\x1b[31mb\x07c\nd\u202e\x9b") == "a\\x1b[31mb\\x07c\nd\\u202e\\x9b"

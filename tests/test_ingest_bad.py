"""Bad inputs: one reason per bad input, the good ones stored, nothing lost or duplicated.

Runs on SQLite and PostgreSQL through `stancetrack.pipeline.ingest` (the library) and
through `stancetrack extract` (the command line's summary, stderr lines and exit code).
"""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest
from cli_types import RunCli
from sqlalchemy import func, select

from stancetrack.db import Database
from stancetrack.db.models import Article
from stancetrack.errors import InputError
from stancetrack.ingest import read_bytes
from stancetrack.pipeline import ingest
from stancetrack.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "fixtures" / "bad"
FORMATS = REPO / "fixtures" / "formats"
SEED = REPO / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"
LIMIT = 20_000  # above every good fixture, below the oversize file written here

# File name -> a phrase its one error line must contain.
EXPECTED_REASONS = {
    "empty.txt": "empty file",
    "binary.txt": "binary file",
    "latin1.txt": "not valid UTF-8",
    "broken.json": "invalid JSON",
    "notext.json": '"text"',
    "oversize.txt": "over the limit of 20000",
    "utf16.txt": "UTF-16",
    "blank.md": "empty file",
    "emptylist.json": "no articles",
}


def good_article_count() -> int:
    count = 0
    for path in FORMATS.iterdir():
        count += len(read_bytes(str(path), path.read_bytes(), path.suffix))
    return count


@pytest.fixture
def mixed_dir(tmp_path: Path) -> Path:
    """fixtures/formats and fixtures/bad together, plus bad inputs made on the spot."""
    root = tmp_path / "mixed"
    shutil.copytree(FORMATS, root / "good")
    shutil.copytree(BAD, root / "bad")
    (root / "bad" / "oversize.txt").write_text("Big\n" + "word " * 5000, encoding="utf-8")
    (root / "bad" / "utf16.txt").write_bytes(
        codecs.BOM_UTF16_LE + "Title\nText".encode("utf-16-le")
    )
    (root / "bad" / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (root / "bad" / "emptylist.json").write_text("[]", encoding="utf-8")
    assert {p.name for p in (root / "bad").iterdir()} == set(EXPECTED_REASONS)
    return root


def count_articles(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Article)) or 0)


def test_fixture_bad_files_are_what_their_names_say() -> None:
    assert (BAD / "empty.txt").read_bytes() == b""
    assert b"\x00" in (BAD / "binary.txt").read_bytes()
    latin1 = (BAD / "latin1.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        latin1.decode("utf-8")
    latin1.decode("latin-1")
    with pytest.raises(json.JSONDecodeError):
        json.loads((BAD / "broken.json").read_text(encoding="utf-8"))
    assert "text" not in json.loads((BAD / "notext.json").read_text(encoding="utf-8"))


def test_each_bad_input_is_reported_once_and_good_ones_are_stored(
    database: Database, mixed_dir: Path
) -> None:
    settings = load_settings(max_file_bytes=LIMIT)
    [pre_existing] = read_bytes(str(SEED), SEED.read_bytes(), ".txt")
    first = ingest(database, [str(SEED)], settings)
    assert (first.new, first.errors) == (1, [])

    reported: list[InputError] = []
    missing = str(mixed_dir / "no-such-file.txt")
    result = ingest(database, [str(mixed_dir), missing], settings, on_error=reported.append)

    assert reported == result.errors
    by_name = {Path(e.source).name: e for e in result.errors}
    assert len(by_name) == len(result.errors), "one line per bad input"
    assert set(by_name) == {*EXPECTED_REASONS, "no-such-file.txt"}
    for name, phrase in EXPECTED_REASONS.items():
        error = by_name[name]
        assert phrase in error.reason, (name, error.reason)
        assert str(error) == f"{error.source}: {error.reason}"
        assert "\n" not in str(error)
        assert error.source == str(mixed_dir / "bad" / name)
    assert by_name["no-such-file.txt"].reason == "no such file or directory"

    good = good_article_count()
    assert (result.new, result.duplicates) == (good, 0)
    assert count_articles(database) == good + 1

    # Again, with the seed: nothing new, nothing duplicated, nothing lost.
    again = ingest(database, [str(mixed_dir), str(SEED)], settings)
    assert (again.new, again.duplicates) == (0, good + 1)
    assert len(again.errors) == len(EXPECTED_REASONS)
    assert count_articles(database) == good + 1
    with database.session() as session:
        stored = session.scalar(select(Article).where(Article.sha256 == pre_existing.sha256))
        assert stored is not None and stored.text == pre_existing.text


def test_size_limit_comes_from_settings(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "medium.txt"
    path.write_text("Medium\n" + "x" * 993, encoding="utf-8")  # exactly 1000 bytes
    assert path.stat().st_size == 1000
    at_limit = ingest(database, [str(path)], load_settings(max_file_bytes=1000))
    assert (at_limit.new, at_limit.errors) == (1, [])
    over = ingest(database, [str(path)], load_settings(max_file_bytes=999))
    [error] = over.errors
    assert error.reason == (
        "input is 1000 bytes, over the limit of 999 (STANCETRACK_MAX_FILE_BYTES)"
    )


def test_extract_command_reports_lines_summary_and_exit_1(
    cli: RunCli, db_url: str, mixed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCETRACK_MAX_FILE_BYTES", str(LIMIT))
    missing = mixed_dir / "gone.json"
    result = cli(["extract", mixed_dir, missing, "--db", db_url, "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    good = good_article_count()
    assert summary["articles"] == good
    assert summary["failed"] == len(EXPECTED_REASONS) + 1
    lines = result.stderr.splitlines()
    for name, phrase in [*EXPECTED_REASONS.items(), ("gone.json", "no such file")]:
        matching = [line for line in lines if f"/{name}:" in line]
        assert len(matching) == 1, (name, lines)
        assert phrase in matching[0]

    listed = json.loads(cli(["articles", "--db", db_url, "--format", "json"]).stdout)
    assert len(listed) == good
    assert len({a["sha256"] for a in listed}) == good


def test_stdin_over_the_limit_is_reported(database: Database) -> None:
    import io

    from stancetrack.ingest import iter_inputs

    items = list(iter_inputs(["-"], max_bytes=10, stdin=io.BytesIO(b"Title\n" + b"y" * 20)))
    [error] = items
    assert isinstance(error, InputError)
    assert error.source == "<stdin>"
    assert "over the limit of 10" in error.reason


def test_extract_reads_stdin_once_and_reports_empty_stdin(cli: RunCli, sqlite_url: str) -> None:
    stored = cli(["extract", "-", "--db", sqlite_url, "-f", "json"], stdin=SEED.read_bytes())
    assert stored.exit_code == 0, stored.stderr
    [listed] = json.loads(cli(["articles", "--db", sqlite_url, "-f", "json"]).stdout)
    assert listed["url"] == SEED.read_text(encoding="utf-8").splitlines()[2]
    empty = cli(["extract", "-", "--db", sqlite_url, "-f", "json"], stdin=b"")
    assert empty.exit_code == 1
    assert "error: <stdin>: empty file" in empty.stderr

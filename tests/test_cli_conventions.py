"""Conventions every command keeps: --db, --format, --debug, --version, exit codes,
one-line errors on stderr, results only on stdout. Uses `articles`, the simplest command.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from cli_types import RunCli

from stancetrack import __version__
from stancetrack.db import Database
from stancetrack.db.repository.articles import add_article
from stancetrack.ingest import read_bytes

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "fixtures" / "articles" / "000_6e641d416cccd12d.txt"
ARTICLE_KEYS = {"id", "title", "url", "outlet", "published", "sha256", "claims"}


def seed_db(url: str, *paths: Path) -> list[str]:
    """Store articles through the library; returns their titles."""
    db = Database(url)
    titles = []
    try:
        for path in paths or (SEED,):
            for item in read_bytes(str(path), path.read_bytes(), path.suffix):
                with db.session() as session:
                    add_article(session, item)
                titles.append(item.title)
    finally:
        db.dispose()
    return titles


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a real process (stdout and stderr are pipes, stdin is empty)."""
    return subprocess.run(
        [sys.executable, "-m", "stancetrack", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        timeout=60,
    )


def test_version(cli: RunCli) -> None:
    result = cli(["--version"])
    assert (result.exit_code, result.stdout.strip()) == (0, f"stancetrack {__version__}")


def test_python_dash_m_and_version() -> None:
    proc = run(["--version"])
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (
        0,
        f"stancetrack {__version__}",
        "",
    )


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["articles", "--no-such-option"], "No such option: --no-such-option"),
        (["no-such-command"], "No such command 'no-such-command'"),
        (["articles", "--format", "xml"], "'xml' is not one of"),
        (["articles", "--db"], "requires an argument"),
        (["check", "--format", "csv"], "'csv' is not one of 'table', 'json'."),
    ],
)
def test_usage_errors_are_two_plain_lines_and_exit_2(
    cli: RunCli, args: list[str], phrase: str
) -> None:
    result = cli(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and phrase in lines[0]
    assert lines[1].startswith("Try 'stancetrack") and lines[1].endswith("--help' for help.")
    assert "╭" not in result.stderr and "Traceback" not in result.stderr
    assert "Value error" not in result.stderr


def test_bare_command_shows_help(cli: RunCli) -> None:
    result = cli([])
    assert result.exit_code == 2
    assert "articles" in result.stdout + result.stderr


def test_unreachable_database_is_one_line_without_traceback() -> None:
    proc = run(["articles", "--db", "postgresql://127.0.0.1:1/x"])
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot open database postgresql://127.0.0.1:1/x: ")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback_and_keeps_the_exit_code(how: str) -> None:
    args = ["articles", "--db", "postgresql://127.0.0.1:1/x"]
    proc = run([*args, "--debug"]) if how == "flag" else run(args, STANCETRACK_DEBUG="1")
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: cannot open database")


def test_invalid_setting_is_one_line_exit_2(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCETRACK_MAX_FILE_BYTES", "lots")
    result = cli(["articles"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: invalid setting STANCETRACK_MAX_FILE_BYTES: "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_piped_output_defaults_to_json(sqlite_url: str) -> None:
    titles = seed_db(sqlite_url)
    proc = run(["articles", "--db", sqlite_url])
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["title"] for r in rows] == titles
    assert set(rows[0]) == ARTICLE_KEYS


def test_terminal_output_defaults_to_a_table(sqlite_url: str) -> None:
    seed_db(sqlite_url)
    [item] = read_bytes(str(SEED), SEED.read_bytes(), ".txt")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stancetrack", "articles", "--db", sqlite_url],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200", "TERM": "dumb"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "sha256" in screen and "published" in screen and "┃" in screen
    assert item.sha256[:12] in screen and "2022-02-02" in screen
    with pytest.raises(json.JSONDecodeError):
        json.loads(screen)


def test_explicit_formats(cli: RunCli, sqlite_url: str) -> None:
    seed_db(sqlite_url, SEED, REPO / "fixtures" / "formats" / "nordic_bids.jsonl")
    as_json = json.loads(cli(["articles", "--db", sqlite_url, "--format", "json"]).stdout)
    as_jsonl = [
        json.loads(line)
        for line in cli(["articles", "--db", sqlite_url, "-f", "jsonl"]).stdout.splitlines()
    ]
    as_csv = list(
        csv.DictReader(io.StringIO(cli(["articles", "--db", sqlite_url, "-f", "csv"]).stdout))
    )
    table = cli(["articles", "--db", sqlite_url, "--format", "table"])
    assert len(as_json) == 4
    assert as_jsonl == as_json
    assert [int(r["id"]) for r in as_csv] == [r["id"] for r in as_json]
    assert set(as_csv[0]) == ARTICLE_KEYS
    assert [r["sha256"] for r in as_csv] == [r["sha256"] for r in as_json]
    for row in as_json:  # the table shows a 12-character prefix, which is a valid REF
        assert row["sha256"][:12] in table.stdout
        assert row["sha256"] not in table.stdout


def test_notices_go_to_stderr_results_to_stdout(cli: RunCli, sqlite_url: str) -> None:
    Database(sqlite_url).dispose()  # an empty database (read commands never create one)
    empty_table = cli(["articles", "--db", sqlite_url, "--format", "table"])
    assert (empty_table.exit_code, empty_table.stdout) == (0, "")
    assert "no articles stored yet" in empty_table.stderr
    empty_json = cli(["articles", "--db", sqlite_url, "--format", "json"])
    assert (json.loads(empty_json.stdout), empty_json.stderr) == ([], "")


def test_db_option_beats_environment_beats_dotenv(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {name: f"sqlite:///{tmp_path / name}.db" for name in ("option", "env", "dotenv")}
    seed_db(urls["option"], SEED)
    seed_db(urls["env"], SEED, REPO / "fixtures" / "formats" / "finland_application.json")
    seed_db(urls["dotenv"], REPO / "fixtures" / "formats" / "nordic_bids.jsonl")

    def count(*args: str) -> int:
        result = cli(["articles", "--format", "json", *args])
        assert result.exit_code == 0, result.stderr
        return len(json.loads(result.stdout))

    # default: ./stancetrack.db, which a read command does not create
    missing = cli(["articles", "--format", "json"])
    assert missing.exit_code == 2 and "no database at stancetrack.db" in missing.stderr
    assert not (tmp_path / "stancetrack.db").exists()
    (tmp_path / ".env").write_text(f"STANCETRACK_DATABASE_URL={urls['dotenv']}\n", "utf-8")
    assert count() == 3
    monkeypatch.setenv("STANCETRACK_DATABASE_URL", urls["env"])
    assert count() == 2
    assert count("--db", urls["option"]) == 1


HEAVY = ("sqlalchemy", "alembic", "openai", "rapidfuzz", "pydantic_settings")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["claims", "--help"]])
def test_version_and_help_load_no_database_or_llm_layer(args: list[str]) -> None:
    """Start-up stays fast: commands import the database, LLM and analysis layers lazily."""
    code = (
        "import sys\n"
        "from stancetrack.cli.app import main\n"
        f"main({args!r})\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
        "print(' '.join(m for m in sys.modules if m.startswith('stancetrack.')), file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    top, ours = proc.stderr.strip().splitlines()[-2:]
    assert not set(HEAVY) & set(top.split())
    assert not [m for m in ours.split() if m.split(".")[1] in {"db", "llm", "analysis"}]


def test_diff_threshold_default_is_the_library_default(cli: RunCli) -> None:
    from stancetrack.analysis.diff import MATCH_THRESHOLD
    from stancetrack.cli.commands_analysis import DIFF_THRESHOLD

    assert DIFF_THRESHOLD == MATCH_THRESHOLD
    assert f"default: {MATCH_THRESHOLD}" in cli(["diff", "--help"]).stdout


def test_removing_a_missing_alias_is_one_error_line(cli: RunCli, sqlite_url: str) -> None:
    extracted = cli(["extract", str(SEED), "--backend", "rules", "--db", sqlite_url, "-f", "json"])
    assert extracted.exit_code == 0, extracted.stderr
    actor = json.loads(cli(["actors", "--db", sqlite_url, "-f", "json"]).stdout)[0]["actor"]
    result = cli(["actors", "alias", "remove", actor, "no such alias", "--db", sqlite_url])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.strip() == f"error: {actor!r} has no alias 'no such alias'"

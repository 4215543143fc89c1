"""Fault matrix, input rows: NUL characters, FIFOs, deeply nested JSON (issue 11).

Each bad input gets its one `error:` line, the batch goes on and the good articles are
stored, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from rows_support import copy_good, error_lines, run, scalar, summary

pytestmark = pytest.mark.faults


def _extract(cli: Any, db_url: str, *paths: Path) -> Any:
    return cli(["extract", *paths, "--backend", "rules", "--db", db_url, "--format", "json"])


def test_nul_in_json_text_and_after_8kb_of_txt_is_that_articles_error(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "in"
    copy_good(root)
    (root / "nul.json").write_text(
        json.dumps({"title": "Has a NUL", "text": "NATO will grow, he said.\u0000 More text."}),
        encoding="utf-8",
    )
    late = ("Filler words about NATO expansion and the summit.\n" * 200).encode()
    assert len(late) > 8192
    (root / "late_nul.txt").write_bytes(late + b"tail \x00 after eight kilobytes\n")
    (root / "nul_title.json").write_text(
        json.dumps({"title": "A\u0000B", "text": "Plain text about the summit in Madrid."}),
        encoding="utf-8",
    )
    result = _extract(cli, db_url, root)
    assert result.exit_code == 1, result.stderr
    lines = error_lines(result.stderr)
    for name in ("nul.json", "late_nul.txt", "nul_title.json"):
        assert [line for line in lines if name in line and "NUL" in line], result.stderr
    assert "unexpected" not in result.stderr
    counts = summary(result.stdout)
    assert counts["extracted"] == 2 and counts["failed"] == 3
    assert scalar(db_url, "SELECT count(*) FROM articles") == 2


def _mkfifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_fifo_given_or_inside_a_directory_is_skipped_with_a_line(tmp_path: Path) -> None:
    root = tmp_path / "in"
    copy_good(root)
    _mkfifo(root / "pipe.txt")
    given = _mkfifo(tmp_path / "given.json")
    db_url = f"sqlite:///{tmp_path / 'fifo.db'}"
    result = run(
        "extract", str(root), str(given), "--backend", "rules", "--db", db_url,
        "--format", "json", timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = error_lines(result.stderr)
    for name in ("pipe.txt", "given.json"):
        assert [line for line in lines if name in line and "not a regular file" in line], lines
    assert summary(result.stdout)["extracted"] == 2
    assert scalar(db_url, "SELECT count(*) FROM articles") == 2


def test_json_nested_200k_levels_is_one_error_line(cli: Any, db_url: str, tmp_path: Path) -> None:
    root = tmp_path / "in"
    copy_good(root)
    depth = 200_000
    (root / "deep.json").write_text("[" * depth + "]" * depth, encoding="utf-8")
    deep_record = '{"title": "x", "text": ' + "[" * depth + "]" * depth + "}"
    (root / "deep.jsonl").write_text(
        json.dumps({"title": "Fine", "text": "A fine line about the Madrid summit."})
        + "\n"
        + deep_record
        + "\n",
        encoding="utf-8",
    )
    (root / "deep_sniffed").write_text(
        '{"text": ' + "[" * depth + "]" * depth + "}", encoding="utf-8"
    )
    result = _extract(cli, db_url, root, root / "deep_sniffed")
    assert result.exit_code == 1, result.stderr
    lines = error_lines(result.stderr)
    assert len([line for line in lines if "deep.json:" in line]) == 1, lines
    assert len([line for line in lines if "deep.jsonl:2" in line]) == 1, lines
    assert [line for line in lines if "deep_sniffed" in line], lines
    assert all("nested too deeply" in line for line in lines if "deep" in line), lines
    assert "unexpected" not in result.stderr
    assert summary(result.stdout)["extracted"] == 3
    assert scalar(db_url, "SELECT count(*) FROM articles") == 3

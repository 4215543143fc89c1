"""Fault matrix, speaker row: invisible characters inside a speaker's name (issue 11).

A zero-width space, a soft hyphen or a bidi mark inside a name must not make the claim
silently disappear: ingestion drops them from the text and actor matching folds them away.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rows_support import GOOD, rows

from stancetrack.actors import fold, name_key

pytestmark = pytest.mark.faults

HIDDEN = ("\u200b", "\u00ad", "\u200e", "\u202a", "\u2066", "\u2060")


def _claims(db_url: str) -> list[tuple[Any, ...]]:
    return rows(
        db_url,
        "SELECT a.name, c.quote, c.start, c.stance FROM claims c"
        " JOIN actors a ON a.id = c.actor_id ORDER BY c.start, a.name",
    )


def _hide_inside_names(text: str, names: list[str]) -> str:
    """Put an invisible character inside every occurrence of each name."""
    for index, name in enumerate(names):
        mark = HIDDEN[index % len(HIDDEN)]
        hidden = name[:2] + mark + name[2:]
        text = re.sub(re.escape(name), hidden, text)
    return text


def test_invisible_marks_inside_speaker_names_keep_the_claims(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    clean_db = f"sqlite:///{tmp_path / 'clean.db'}"
    article = GOOD[0]
    done = cli(["extract", article, "--backend", "rules", "--db", clean_db, "--format", "json"])
    assert done.exit_code == 0, done.stderr
    expected = _claims(clean_db)
    assert expected
    surnames = sorted({name.split()[-1] for name, *_ in expected if len(name.split()) > 1})
    assert surnames
    hidden = tmp_path / "hidden.txt"
    hidden.write_text(_hide_inside_names(article.read_text("utf-8"), surnames), "utf-8")
    assert any(mark in hidden.read_text("utf-8") for mark in HIDDEN)
    done = cli(["extract", hidden, "--backend", "rules", "--db", db_url, "--format", "json"])
    assert done.exit_code == 0, done.stderr
    assert _claims(db_url) == expected
    stored = rows(db_url, "SELECT text FROM articles")[0][0]
    assert not any(mark in stored for mark in HIDDEN)


@pytest.mark.parametrize("mark", HIDDEN)
def test_actor_keys_fold_invisible_marks(mark: str) -> None:
    assert name_key(f"Sergei La{mark}vrov") == name_key("Sergei Lavrov") == "sergei lavrov"
    assert fold(f"Stol{mark}tenberg's") == "stoltenberg"

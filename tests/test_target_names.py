"""Targets as people type them, and read commands on a mistyped database.

A target has one home (prompts/targets/*.yaml) and one spelling as stored; `--target`
matches it ignoring case and spacing everywhere; a query for a target nobody extracted is
an error naming the stored ones (exit 2), never an empty answer with exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stancetrack import targets
from stancetrack.errors import UnknownTargetError
from stancetrack.pipeline.storing import cache_key
from stancetrack.promptfiles import load_prompt

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "fixtures" / "articles"
NATO = "NATO expansion"


@pytest.fixture(scope="module")
def fixtures_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fixtures extracted by the rules backend, typed with a lower-case target."""
    from stancetrack.cli.app import main

    url = f"sqlite:///{tmp_path_factory.mktemp('names') / 'st.db'}"
    assert main(["extract", str(ARTICLES), "--db", url, "--target", "nato  expansion"]) == 0
    return url


def _json(cli: Any, *args: str) -> Any:
    result = cli([*args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_target_typed_in_lower_case_is_stored_as_defined(cli: Any, fixtures_db: str) -> None:
    claims = _json(cli, "claims", "--db", fixtures_db)
    assert claims and {c["target"] for c in claims} == {NATO}


@pytest.mark.parametrize("typed", ["nato expansion", "  NATO   EXPANSION ", NATO])
def test_queries_match_a_target_ignoring_case_and_spacing(
    cli: Any, fixtures_db: str, typed: str
) -> None:
    rows = _json(cli, "compare", "Putin", "--db", fixtures_db, "--target", typed)
    assert rows and rows[0]["actor"] == "Vladimir Putin" and rows[0]["claims"] > 0
    timeline = _json(cli, "timeline", "Putin", "--db", fixtures_db, "--target", typed)
    assert timeline["points"], timeline


@pytest.mark.parametrize("command", [["compare"], ["claims"], ["timeline", "Putin"], ["actors"]])
def test_a_target_nobody_extracted_is_an_error_naming_the_known_ones(
    cli: Any, fixtures_db: str, command: list[str]
) -> None:
    result = cli([*command, "--db", fixtures_db, "--target", "Arctic shipping", "-f", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "'Arctic shipping'" in line and repr(NATO) in line


@pytest.mark.parametrize("command", [["claims"], ["articles"], ["compare"], ["actors"], ["runs"]])
def test_read_commands_never_create_a_database(
    cli: Any, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "some" / "typo" / "x.db"
    result = cli([*command, "--db", f"sqlite:///{missing}", "-f", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert str(missing) in line and "no database" in line
    assert not (tmp_path / "some").exists()


def test_compare_per_story_keeps_evidence(cli: Any, fixtures_db: str) -> None:
    rows = _json(
        cli, "compare", "Putin", "Erdogan", "--per", "story", "--evidence", "--db", fixtures_db
    )
    assert rows and all("stories" in r and "outlets" in r for r in rows)
    for row in rows:
        evidence = row["evidence"]
        assert evidence["quote"] and evidence["stance"] in {"support", "oppose", "neutral"}


def test_compare_per_story_table_shows_stories_and_outlets(
    cli: Any, fixtures_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    result = cli(
        ["compare", "Putin", "--per", "story", "--evidence", "--db", fixtures_db, "-f", "table"]
    )
    assert result.exit_code == 0, result.stderr
    header = result.stdout
    assert "stories" in header and "outlets" in header and "evidence" in header


def test_each_target_has_one_file_with_its_definition() -> None:
    defined = {t.name: t for t in targets.defined_targets()}
    assert NATO in defined and "EU enlargement" in defined
    assert all(t.file.startswith("targets/") for t in defined.values())
    # the prompt renders the target's definition from its file
    system = load_prompt().messages(title="t", text="x", target=NATO)[0]["content"]
    assert defined[NATO].definition in system
    assert "targets" not in load_prompt().sections["system"]


def test_the_skip_key_hashes_the_target_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_key("text", "prompt", "model", NATO)
    other = cache_key("text", "prompt", "model", "EU enlargement")
    nato = targets.find_target(NATO)
    assert nato is not None
    clarified = targets.Target(NATO, nato.definition + " Clarified.", nato.file, nato.data, b"")
    changed = tuple(clarified if t.name == NATO else t for t in targets.defined_targets())
    monkeypatch.setattr(targets, "defined_targets", lambda: changed)
    targets.definition_key.cache_clear()
    try:
        assert cache_key("text", "prompt", "model", NATO) != before
    finally:
        targets.definition_key.cache_clear()
    monkeypatch.undo()
    assert cache_key("text", "prompt", "model", "EU enlargement") == other


def test_resolve_query_target_rules() -> None:
    stored = [NATO, "EU enlargement"]
    assert targets.resolve_query_target("eu ENLARGEMENT", NATO, stored) == "EU enlargement"
    assert targets.resolve_query_target(None, NATO, []) == NATO  # a new database answers empty
    assert targets.resolve_query_target("nato expansion", NATO, []) == NATO
    with pytest.raises(UnknownTargetError, match="none yet"):
        targets.resolve_query_target("Arctic", NATO, [])


def test_the_prompt_lists_the_targets_subjects() -> None:
    """The LLM is told which subjects it may name (reply schema v2), exactly as listed."""
    system = load_prompt().messages(title="t", text="x", target=NATO)[0]["content"]
    rule = next(line for line in system.splitlines() if line.startswith("10. subjects:"))
    assert "Finland" in rule and "Sweden" in rule and "Bosnia and Herzegovina" in rule
    other = load_prompt().messages(title="t", text="x", target="Arctic shipping")[0]["content"]
    assert "10. subjects:" not in other and '"subjects"' in other  # optional in the format

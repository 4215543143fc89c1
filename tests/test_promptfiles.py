"""Prompt files: examples are verbatim, the hash is stable and byte-sensitive, order is fixed."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from stancetrack.errors import ConfigError
from stancetrack.promptfiles import available_versions, load_prompt
from stancetrack.schemas import Reply

PROMPTS = Path(str(resources.files("stancetrack.prompts")))


def all_prompts() -> list[tuple[str, str]]:
    return [
        (folder.name, version)
        for folder in sorted(PROMPTS.iterdir())
        if folder.is_dir() and not folder.name.startswith("_")
        for version in available_versions(folder.name)
    ]


def test_shipped_prompts_exist() -> None:
    assert ("extract_claims", "v1") in all_prompts()


@pytest.mark.parametrize(("name", "version"), all_prompts())
def test_every_example_quote_is_verbatim_in_its_text(name: str, version: str) -> None:
    prompt = load_prompt(name, version)
    assert prompt.examples, "worked examples are part of the prompt"
    for example in prompt.examples:
        raw = json.loads((PROMPTS / name / example.name).read_text(encoding="utf-8"))
        reply = Reply.model_validate(raw["reply"])
        assert reply.claims
        for claim in reply.claims:
            assert raw["text"].count(claim.quote) >= 1, (example.name, claim.quote)
        # Examples cover every stance label, so the model sees each one used.
    stances = {c["stance"] for e in prompt.examples for c in e.reply["claims"]}
    assert stances == {"support", "oppose", "neutral", "unrelated"}


def test_messages_fixed_prefix_first_article_last() -> None:
    prompt = load_prompt()
    one = prompt.messages(title="A", text="First article body.", target="NATO expansion")
    two = prompt.messages(title="B", text="Second body.", target="NATO expansion")
    assert one[:-1] == two[:-1]  # identical prefix across articles: cacheable
    assert [m["role"] for m in one] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert one[-1]["content"].endswith("First article body.")
    system = one[0]["content"]
    for label in ("support", "oppose", "neutral", "unrelated", "moving NATO forces"):
        assert label in system
    assert "{{" not in "".join(m["content"] for m in one)


def test_other_target_is_used_as_written_without_nato_examples() -> None:
    messages = load_prompt().messages(title="A", text="x", target="carbon tax")
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Target: carbon tax" in messages[0]["content"]
    assert "NATO" not in messages[0]["content"]


def test_sha256_is_stable_and_covers_every_file(tmp_path: Path) -> None:
    copy = tmp_path / "prompts"
    shutil.copytree(PROMPTS / "extract_claims", copy / "extract_claims")
    original = load_prompt().sha256
    assert load_prompt(root=copy).sha256 == original == load_prompt().sha256

    example = next((copy / "extract_claims").glob("example_*.json"))
    example.write_bytes(example.read_bytes().replace(b"\n}", b"\n }", 1))
    assert load_prompt(root=copy).sha256 != original


def test_latest_version_is_default_and_versions_are_explicit(tmp_path: Path) -> None:
    copy = tmp_path / "prompts"
    shutil.copytree(PROMPTS / "extract_claims", copy / "extract_claims")
    text = (copy / "extract_claims" / "v2.md").read_text(encoding="utf-8")
    (copy / "extract_claims" / "v3.md").write_text(
        text.replace("version: v2", "version: v3"), encoding="utf-8"
    )
    assert available_versions(root=copy) == ["v1", "v2", "v3"]
    assert load_prompt(root=copy).version == "v3"
    assert load_prompt(version="1", root=copy).version == "v1"
    with pytest.raises(ConfigError, match="no version v9"):
        load_prompt(version="v9", root=copy)


def test_broken_prompt_files_are_config_errors(tmp_path: Path) -> None:
    folder = tmp_path / "extract_claims"
    shutil.copytree(PROMPTS / "extract_claims", folder)
    latest = folder / "v2.md"
    latest.write_text(latest.read_text().replace("<!-- section: reask -->", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing sections reask"):
        load_prompt(root=tmp_path)

    shutil.rmtree(folder)
    shutil.copytree(PROMPTS / "extract_claims", folder)
    example = next(folder.glob("example_*.json"))
    data = json.loads(example.read_text(encoding="utf-8"))
    data["reply"]["claims"][0]["quote"] = "words that are nowhere in the text"
    example.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="quote not in its text"):
        load_prompt(root=tmp_path)


def test_reask_and_part_notes() -> None:
    prompt = load_prompt()
    assert "claims[0].stance: bad" in prompt.reask("claims[0].stance: bad")
    messages = prompt.messages(title="A", text="Body.", target="NATO expansion", part=(2, 3))
    assert "part 2 of 3" in messages[-1]["content"]
    assert messages[-1]["content"].endswith("Body.")

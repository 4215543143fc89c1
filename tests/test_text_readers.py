"""The readers of article text that once split it themselves now read the text layer's one
index (docs/ARCHITECTURE.md, "Layers"); the layer order itself is import-linter's contract
(pyproject.toml, run by .ci/run)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stancetrack"
TEXT_READERS = [
    "llm/chunking.py",
    "llm/rules/text.py",
    "speaker_evidence.py",
    "actors.py",
    "subjects.py",
]
# The bottom layer of import-linter's contract (pyproject.toml), not a copy of it.
BASE_LAYER = set(
    tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"][0]["layers"][-1].split(" : ")
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "stancetrack":
                found.update(f"stancetrack.{alias.name}" for alias in node.names)
            elif node.module.startswith("stancetrack."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("stancetrack."))
    return found


@pytest.mark.parametrize("name", TEXT_READERS)
def test_text_readers_use_the_one_index(name: str) -> None:
    path = PACKAGE / name
    assert "stancetrack.text.index" in _imports(path), f"{name} does not read the text index"
    assert "_SENTENCE_END" not in path.read_text(encoding="utf-8"), f"{name} splits sentences"


def test_text_layer_imports_only_the_base_layer() -> None:
    """The text layer sits beside ingest and promptfiles but needs neither."""
    for path in sorted((PACKAGE / "text").glob("*.py")):
        others = {m.split(".")[1] for m in _imports(path)} - {"text"}
        assert others <= BASE_LAYER, f"{path.name} imports {sorted(others - BASE_LAYER)}"

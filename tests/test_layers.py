"""The layering of docs/ARCHITECTURE.md ("Layers") holds: each layer imports only the layers before
it.

schemas/errors/settings -> ingest, prompts, text -> llm -> grounding, actors -> db -> pipeline
-> analysis, evaluation, tracking -> cli. (db sits before pipeline here: the pipeline orchestrates
storage, so it must see the repository, not the other way round.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stancetrack"

ORDER = [
    {"errors", "stances", "schemas", "settings", "targets", "subjects"},
    {"ingest", "promptfiles", "text"},
    {"llm"},
    {"grounding", "actors", "speaker_evidence"},
    {"db"},
    {"pipeline"},
    {"analysis", "evaluation", "scaleout", "tracking"},
    {"service"},
    {"cli"},
]
RANK = {name: rank for rank, names in enumerate(ORDER) for name in names}


def _component(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "stancetrack" else None


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


def _modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if p.parent != PACKAGE or p.stem not in {"__init__", "__main__"}
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path: Path) -> None:
    own = _component("stancetrack." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    assert own in RANK, f"{path}: component {own!r} has no layer; add it to ORDER"
    upward = {
        module
        for module in _imports(path)
        if (other := _component(module)) not in (None, own)
        and other in RANK
        and RANK[other] > RANK[own]
    }
    assert not upward, f"{path.relative_to(PACKAGE)} imports a higher layer: {sorted(upward)}"


def test_every_component_has_a_layer() -> None:
    components = {
        _component("stancetrack." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts))
        for p in _modules()
    }
    assert components <= set(RANK), sorted(components - set(RANK))


# The readers of article text that once split it themselves: each now reads the text
# layer's one index (docs/ARCHITECTURE.md, "Layers"), and none compiles a sentence splitter.
TEXT_READERS = ["llm/chunking.py", "llm/rules/text.py", "speaker_evidence.py", "actors.py"]


@pytest.mark.parametrize("name", TEXT_READERS)
def test_text_readers_use_the_one_index(name: str) -> None:
    path = PACKAGE / name
    assert "stancetrack.text.index" in _imports(path), f"{name} does not read the text index"
    assert "_SENTENCE_END" not in path.read_text(encoding="utf-8"), f"{name} splits sentences"


def test_text_layer_imports_only_the_base_layer() -> None:
    """The text layer sits beside ingest and promptfiles but needs neither."""
    for path in sorted((PACKAGE / "text").glob("*.py")):
        others = {_component(m) for m in _imports(path)} - {"text", None}
        assert others <= ORDER[0], f"{path.name} imports {sorted(others - ORDER[0])}"

"""Every Python package of the source tree ships in the wheel.

`[tool.setuptools] packages` is an explicit list: a new folder left out of it works in the
editable install the tests use and is missing from a real `pip install .` (stancetrack.text
was, until this test).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_for_setuptools() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "stancetrack").rglob("__init__.py")
    }
    assert found, "no packages found: the test looks in the wrong place"
    assert found <= listed, sorted(found - listed)

"""Reading the YAML data files the package ships (lexicon, targets, speaker cues).

One reader, so every malformed file gives the same one-line ConfigError naming the file,
whichever module reads it, instead of a YAML traceback.
"""

from __future__ import annotations

from typing import Any

import yaml

from stancetrack.errors import ConfigError


def yaml_mapping(raw: bytes, where: str) -> dict[str, Any]:
    """The file's YAML, which must be a mapping; ConfigError naming `where` when it is not
    UTF-8, not YAML, or not a mapping."""
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    return data

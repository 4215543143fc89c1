"""One reader for the shipped YAML data files: a malformed one is one ConfigError line."""

from __future__ import annotations

import pytest

from stancetrack.datafiles import yaml_mapping
from stancetrack.errors import ConfigError
from stancetrack.llm.rules.lexicon import build_lexicon
from stancetrack.speaker_evidence import parse_cues


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"a: [unclosed", "invalid YAML"),
        (b"\xff\xfe not utf-8", "invalid YAML"),
        (b"- a list\n- not a mapping\n", "expected a mapping at the top level"),
        (b"", "expected a mapping at the top level"),
    ],
)
def test_a_malformed_file_is_a_config_error_naming_it(raw: bytes, reason: str) -> None:
    with pytest.raises(ConfigError, match=f"^targets/x.yaml: {reason}"):
        yaml_mapping(raw, "targets/x.yaml")


def test_every_reader_goes_through_it() -> None:
    with pytest.raises(ConfigError, match=r"^grounding/speaker_cues\.yaml: invalid YAML"):
        parse_cues(b"cue_window: [")
    with pytest.raises(
        ConfigError, match=r"^rules lexicon rules/lexicon\.yaml: expected a mapping"
    ):
        build_lexicon({"rules/lexicon.yaml": b"[]", "targets/t.yaml": b"name: T"})
    assert yaml_mapping(b"cue_window: 3\n", "f") == {"cue_window": 3}

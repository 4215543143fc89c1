"""Issue 19, item 3: more reported speech - positions taken with a verb and an object, and
phrasal cues read from the lexicon (not hard-coded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_claims import claims, pairs

from stancetrack.llm.rules.lexicon import ATTRIBUTION_FILE, build_lexicon

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
NATO = "targets/nato-expansion.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Sen. Ted Cruz endorsed Donald Trump's presidential campaign on Friday.\n",
            ("Ted Cruz", "Donald Trump's presidential campaign on Friday"),
        ),
        (
            "Donald Trump railed against the corrupting influence of super PACs.\n",
            ("Donald Trump", "the corrupting influence of super PACs"),
        ),
        (
            "Both presidential candidates opposed the Trans-Pacific Partnership; a vote is near.\n",
            ("unnamed candidates", "the Trans-Pacific Partnership"),  # a plural is no name
        ),
        (
            "Republicans have long opposed the Trans-Pacific Partnership trade deal.\n",
            ("Republicans", "the Trans-Pacific Partnership trade deal"),
        ),
    ],
)
def test_position_verb_with_an_object_is_a_claim(text: str, expected: tuple[str, str]) -> None:
    found = claims(text)
    assert [(c.claim.actor, c.claim.quote) for c in found] == [expected]
    assert found[0].claim.attribution.value == "indirect"


@pytest.mark.parametrize(
    "text",
    [
        "The deal was endorsed by the committee on Friday.\n",  # passive
        "Jens Stoltenberg hailed the deal.\n",  # too short to be a position
        "He attacked the hateful ideology of radical Islam.\n",  # a pronoun, no cue
        "Clinton, who talked about bringing communities together, left early.\n",  # relative
        "Donald Trump backed off some of his initial proposals on taxes.\n",  # a particle
    ],
)
def test_no_position_claim(text: str) -> None:
    assert pairs(text) == []


def test_position_pass_leaves_sentences_with_a_reporting_cue_alone() -> None:
    text = "Ted Cruz endorsed the plan, saying it would protect the border for good.\n"
    found = claims(text)
    assert [c.claim.quote for c in found] == ["it would protect the border for good"]


def test_source_phrases_come_from_the_lexicon() -> None:
    """'according to' is data: a new source phrase in lexicon.yaml is a cue at once."""
    files = {name: (PROMPTS / name).read_bytes() for name in (ATTRIBUTION_FILE, NATO)}
    text = "As quoted by Jens Stoltenberg, the door of the alliance remains open to Sweden.\n"
    assert pairs(text, build_lexicon(files)) == []
    edited = dict(files)
    edited[ATTRIBUTION_FILE] = files[ATTRIBUTION_FILE].replace(
        b'source_phrases: ["according to",', b'source_phrases: ["as quoted by", "according to",'
    )
    assert edited[ATTRIBUTION_FILE] != files[ATTRIBUTION_FILE]
    assert pairs(text, build_lexicon(edited)) == [
        ("Jens Stoltenberg", "the door of the alliance remains open to Sweden")
    ]
    without = dict(files)
    without[ATTRIBUTION_FILE] = files[ATTRIBUTION_FILE].replace(
        b'source_phrases: ["according to",', b"source_phrases: ["
    )
    old = "The door of the alliance remains open to Sweden, according to Jens Stoltenberg.\n"
    assert pairs(old, build_lexicon(files)) == [
        ("Jens Stoltenberg", "The door of the alliance remains open to Sweden")
    ]
    assert pairs(old, build_lexicon(without)) == []


@pytest.mark.parametrize(
    "text",
    [
        "In the words of Jens Stoltenberg, the door of the alliance remains open to Sweden.\n",
        "Jens Stoltenberg pointed out that the door of the alliance remains open to Sweden.\n",
        "Jens Stoltenberg made clear that the door of the alliance remains open to Sweden.\n",
    ],
)
def test_phrasal_cues(text: str) -> None:
    assert pairs(text) == [("Jens Stoltenberg", "the door of the alliance remains open to Sweden")]

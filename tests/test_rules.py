"""The rules extractor on small texts of our own: attribution shapes, speakers, stance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stancetrack.llm.base import Backend, ExtractionRequest
from stancetrack.llm.rules import RulesBackend, extract_claims
from stancetrack.llm.rules.extractor import RuleClaim
from stancetrack.llm.rules.lexicon import ATTRIBUTION_FILE, build_lexicon, default_lexicon

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


def claims(text: str) -> list[RuleClaim]:
    found = extract_claims(text)
    for item in found:  # every claim is verbatim at its exact span
        assert text[item.start : item.end] == item.claim.quote
        assert text[item.speaker_start : item.speaker_end] == item.claim.speaker
    return found


def test_direct_quote_before_attribution() -> None:
    text = '"We will never accept this deal," Maria Lopez said on Monday.\n'
    (one,) = claims(text)
    assert one.claim.quote == "We will never accept this deal"
    assert one.claim.attribution.value == "direct"
    assert (one.claim.speaker, one.claim.actor) == ("Maria Lopez", "Maria Lopez")
    assert one.claim.actor_type.value == "person"


def test_split_quote_gives_one_claim_per_segment_same_speaker() -> None:
    text = (
        'Prime Minister Anna Berg met reporters. "The vote is close," Berg said. '
        '"But we have the numbers."\n'
    )
    found = claims(text)
    assert [f.claim.quote for f in found] == ["The vote is close", "But we have the numbers."]
    assert {f.claim.actor for f in found} == {"Anna Berg"}
    assert all(f.claim.attribution.value == "direct" for f in found)


def test_quote_running_into_next_paragraph_keeps_its_speaker() -> None:
    text = (
        'Tom Reyes, the union leader, said: "We waited ten years for this contract.\n'
        '"Nobody will take it away from our members now," he added.\n'
    )
    found = claims(text)
    quotes = [f.claim.quote for f in found]
    assert "We waited ten years for this contract." in quotes
    assert "Nobody will take it away from our members now" in quotes
    assert {f.claim.actor for f in found} == {"Tom Reyes"}


def test_indirect_speech_and_that_clause() -> None:
    text = "Defence Minister Karl Olsen warned that the border would stay closed all winter.\n"
    (one,) = claims(text)
    assert one.claim.quote == "the border would stay closed all winter"
    assert one.claim.attribution.value == "indirect"
    assert one.claim.actor == "Karl Olsen"  # title stripped
    assert one.claim.speaker == "Defence Minister Karl Olsen"


def test_clause_before_cue_and_inverted_speaker() -> None:
    text = "The talks would resume in March, said Ellen Marsh, a spokeswoman for the ministry.\n"
    (one,) = claims(text)
    assert one.claim.quote == "The talks would resume in March"
    assert one.claim.speaker == "Ellen Marsh"


def test_according_to_both_orders() -> None:
    text = (
        "According to the Finance Ministry, the deficit doubled last year.\n"
        "Prices rose by four percent in May, according to the statistics office.\n"
    )
    found = claims(text)
    assert [f.claim.quote for f in found] == [
        "the deficit doubled last year",
        "Prices rose by four percent in May",
    ]
    assert found[0].claim.actor == "Finance Ministry"
    assert found[0].claim.actor_type.value == "government"
    assert found[1].claim.speaker == "the statistics office"


def test_pronouns_resolve_to_the_fitting_person_and_longest_name() -> None:
    text = (
        "President Hillary Clinton met Senator John Kerry on Tuesday.\n"
        "She said the meeting went well. He told reporters that more talks were planned.\n"
        "Later, Clinton said the agreement was close.\n"
    )
    found = claims(text)
    by_quote = {f.claim.quote: f.claim for f in found}
    assert by_quote["the meeting went well"].actor == "Hillary Clinton"
    assert by_quote["more talks were planned"].actor == "John Kerry"
    assert by_quote["the agreement was close"].actor == "Hillary Clinton"
    assert by_quote["the meeting went well"].speaker == "She"


def test_no_claims_without_a_reporting_cue() -> None:
    assert claims("The ship sailed at noon. Nobody was on the pier.\n") == []


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("NATO must not expand any further east", "oppose"),
        ("every country has the right to choose its alliances, including joining NATO", "support"),
        ("we do not welcome Sweden's membership of the alliance", "oppose"),
        ("the accession talks will take place in June", "neutral"),
        ("gas prices will fall next winter", "unrelated"),
    ],
)
def test_stance_from_lexicon_with_negation(sentence: str, stance: str) -> None:
    (one,) = claims(f"Peter Holm said {sentence}.\n")
    assert one.claim.stance.value == stance
    assert one.claim.rationale  # names the cue or says why there is none
    if stance in ("support", "oppose"):
        assert '"' in one.claim.rationale


def test_confidence_reflects_cue_strength() -> None:
    strong, weak = claims(
        "Ann Lee said NATO must not expand east. Bo Ek said NATO's response was quick.\n"
    )
    assert strong.claim.confidence > weak.claim.confidence


def test_backend_protocol_and_exact_windows() -> None:
    backend = RulesBackend()
    assert isinstance(backend, Backend)
    assert (backend.name, backend.endpoint_host, backend.temperature) == ("rules", None, None)
    text = '"Yes, we will join," Lena Dahl said. "Yes, we will join," Ola Berg said.\n'
    reply = asyncio.run(backend.extract(ExtractionRequest("t", text, "NATO expansion")))
    assert len(reply.claims) == len(reply.windows) == 2
    starts = [w[0] for w in reply.windows if w is not None]
    assert starts[0] != starts[1]  # the same words twice: each claim keeps its own place
    for claim, window in zip(reply.claims, reply.windows, strict=True):
        assert window is not None and text[window[0] : window[1]] == claim.quote
    again = asyncio.run(backend.extract(ExtractionRequest("t", text, "NATO expansion")))
    assert again.raw_reply == reply.raw_reply  # deterministic


def test_lexicon_change_changes_the_prompt_hash() -> None:
    nato = "targets/nato-expansion.yaml"
    files = {name: (PROMPTS / name).read_bytes() for name in (ATTRIBUTION_FILE, nato)}
    base = build_lexicon(files)
    assert base.sha256 == default_lexicon().sha256
    edited = dict(files)
    edited[nato] = files[nato].replace(b"negation_window: 4", b"negation_window: 5")
    assert build_lexicon(edited).sha256 != base.sha256
    assert RulesBackend(lexicon=build_lexicon(edited)).prompt.sha256 != RulesBackend().prompt.sha256

"""Issue 19, third pass: progressive cues, existential clauses and nominal cues (the rules
backend's reported speech), on small real-shaped sentences."""

from __future__ import annotations

from stancetrack.llm.rules import extract_claims


def pairs(text: str) -> list[tuple[str, str]]:
    found = extract_claims(text)
    for item in found:  # every claim is verbatim at its exact span
        assert text[item.start : item.end] == item.claim.quote
        assert text[item.speaker_start : item.speaker_end] == item.claim.speaker
    return [(c.claim.actor, c.claim.quote) for c in found]


def test_progressive_speech_verb_takes_its_subject_as_a_finite_verb() -> None:
    text = (
        "Markets fell.\n\nThe state attorney general is confirming that the foundation is "
        "not registered as a charity.\n"
    )
    assert pairs(text) == [
        ("state attorney general", "the foundation is not registered as a charity")
    ]


def test_progressive_position_verb_after_be() -> None:
    text = (
        "Markets fell.\n\nDonald Trump is defending his early-morning tweets about the pageant.\n"
    )
    assert pairs(text) == [("Donald Trump", "his early-morning tweets about the pageant")]


def test_participle_position_verb_without_be_is_no_claim() -> None:
    text = "Markets fell.\n\nDonald Trump spoke in Ohio, defending his tweets about the pageant.\n"
    assert pairs(text) == []


def test_existential_clause_after_cue_is_the_content() -> None:
    text = (
        "The minister of the economy, Ildefonso Guajardo, argues there is little point in "
        "responding now.\n"
    )
    assert pairs(text) == [("Ildefonso Guajardo", "there is little point in responding now")]


def test_nominal_cue_owned_by_a_name() -> None:
    text = "Markets fell.\n\nDonald Trump's repeated claim that the vote is rigged alarmed aides.\n"
    [(actor, quote)] = pairs(text)
    assert actor == "Donald Trump"
    assert quote.startswith("the vote is rigged")


def test_nominal_cue_owned_by_a_pronoun() -> None:
    text = (
        "Hillary Clinton spoke in Ohio on Monday.\n\n"
        "She repeated her warning that the country could not afford another war.\n"
    )
    assert ("Hillary Clinton", "the country could not afford another war") in pairs(text)


def test_nominal_cue_without_owner_or_with_a_relative_clause_is_no_claim() -> None:
    assert pairs("Markets fell.\n\nThe warning that the bridge could fall went unheeded.\n") == []
    assert pairs("Markets fell.\n\nHis claim that was made on Friday is false.\n") == []

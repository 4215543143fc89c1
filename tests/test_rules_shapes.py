"""Attribution shapes and stance cues added for recall: each on a sentence of our own."""

from __future__ import annotations

import pytest

from stancetrack.llm.rules import extract_claims
from stancetrack.llm.rules.extractor import RuleClaim


def claims(text: str) -> list[RuleClaim]:
    found = extract_claims(text)
    for item in found:
        assert text[item.start : item.end] == item.claim.quote
    return found


def pairs(text: str) -> list[tuple[str, str]]:
    return [(c.claim.speaker, c.claim.quote) for c in claims(text)]


def test_quote_before_cue_across_a_question_mark() -> None:
    text = '"Who pays for the bridge?" Mayor Ines Roth said, pointing at the river.\n'
    assert pairs(text) == [("Mayor Ines Roth", "Who pays for the bridge?")]


def test_pronoun_after_said_starts_the_clause_not_an_inverted_subject() -> None:
    text = "The party's treasurer, Omar Field, said he cannot comment on the audit.\n"
    assert pairs(text) == [("Omar Field", "he cannot comment on the audit")]


def test_clause_after_the_cue_wins_over_an_introductory_phrase() -> None:
    text = "Speaking at a rally in Leeds, the senator said the budget would be cut in half.\n"
    assert pairs(text) == [("the senator", "the budget would be cut in half")]


def test_participle_and_coordinated_cues_split_the_first_content() -> None:
    text = (
        "Smith said the tariff would raise prices, arguing that exporters would suffer.\n"
        "The ministry announced a new levy and said the money would go to schools.\n"
    )
    assert pairs(text) == [
        ("Smith", "the tariff would raise prices"),
        ("Smith", "exporters would suffer"),
        ("The ministry", "a new levy"),
        ("The ministry", "the money would go to schools"),
    ]


def test_long_appositive_speakers() -> None:
    text = (
        "Nora Diaz, 61, of Tacoma, who has run the shelter for a decade, said the winter "
        "had been the hardest yet.\n"
        '"We ran out of beds," Carl Mende (D-Ore.), a member of the housing panel, said.\n'
    )
    found = claims(text)
    assert [(c.claim.actor, c.claim.quote) for c in found] == [
        ("Nora Diaz", "the winter had been the hardest yet"),
        ("Carl Mende", "We ran out of beds"),
    ]


def test_named_addressee_and_relative_who() -> None:
    text = (
        "The plant will close in May, Governor Alan Pike told The Valley Courier on Monday.\n"
        "The board hired Ruth Lane, who said the deficit was larger than reported.\n"
    )
    assert pairs(text) == [
        ("Governor Alan Pike", "The plant will close in May"),
        ("Ruth Lane", "the deficit was larger than reported"),
    ]


def test_determined_noun_and_phrase_subjects() -> None:
    text = (
        "The leaflet says the vote is rigged.\n"
        "Economists at the central bank said inflation would ease by spring.\n"
    )
    assert pairs(text) == [
        ("The leaflet", "the vote is rigged"),
        ("Economists at the central bank", "inflation would ease by spring"),
    ]


def test_intention_and_naming_cues() -> None:
    text = (
        "The mayor wants to ban cars from the old town.\n"
        "The union called the offer an insult to every worker.\n"
        "The company wants more time.\n"
    )
    assert pairs(text) == [
        ("The mayor", "to ban cars from the old town"),
        ("The union", "the offer an insult to every worker"),
    ]


def test_colon_cue_owns_the_quotation_in_the_next_paragraph() -> None:
    text = 'The minister said:\n"We will not give up the port, whatever it costs us."\n'
    assert pairs(text) == [("The minister", "We will not give up the port, whatever it costs us.")]


def test_reduced_passive_and_think_tank_are_not_cues() -> None:
    text = (
        "The plan was a compromise (a view echoed by several lawmakers).\n"
        "Greta Olsen works for a liberal think tank in Oslo.\n"
    )
    assert pairs(text) == []


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("The minister said Norway has no plans to apply for NATO membership.", "neutral"),
        ("The envoy said every country chooses its own alliances, NATO included.", "support"),
        ("The senator said parliament would approve the accession protocol.", "support"),
        ("The general said the alliance must stop its eastward expansion.", "oppose"),
        ("The diplomat said they would delay the vote on the NATO bid.", "oppose"),
        ("The premier said we have never had a stronger message from NATO allies.", "support"),
    ],
)
def test_general_stance_cues(sentence: str, stance: str) -> None:
    (one,) = claims(sentence + "\n")
    assert one.claim.stance.value == stance

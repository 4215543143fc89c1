"""Issue 19, third pass: progressive cues, existential clauses and nominal cues (the rules
backend's reported speech), on small real-shaped sentences."""

from __future__ import annotations

import pytest
from rules_claims import pairs


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # an inverted subject followed by its affiliation
            '"The sanctions worked and they still matter," said Rep. Joseph Crowley (D-N.Y.), '
            "a leading advocate for human rights.\n",
            ("Joseph Crowley", "The sanctions worked and they still matter"),
        ),
        (  # 'called X a Y' with a lower-case object
            "Trump has called climate change a hoax perpetrated by China.\n",
            ("Trump", "climate change a hoax perpetrated by China"),
        ),
        (  # a speech verb of the third pass, before a quotation
            'During a debate, a friend commented: "For you, immigration is the most '
            'important reason."\n',
            ("friend", "For you, immigration is the most important reason."),
        ),
        (  # a phrase cue ends at its last word; its quotation is in the next paragraph
            "On July 6, Bernie Sanders made the following comment:\n\n"
            '"For young people who have left high school, work is hard to find."\n',
            ("Bernie Sanders", "For young people who have left high school, work is hard to find."),
        ),
        (  # 'according to' a description ending in a full name
            "According to conservative talk radio host Rush Limbaugh, the move reeks of fear "
            "and desperation.\n",
            ("Rush Limbaugh", "the move reeks of fear and desperation"),
        ),
        (  # a quote-only verb after a determined noun
            '"We see charter schools offering hope to children," the letter reads.\n',
            ("letter", "We see charter schools offering hope to children"),
        ),
        (  # a participle shares the subject after an introductory word
            "Meanwhile, the Clinton campaign attacked Trump, saying he had offended veterans "
            "and women.\n",
            ("Clinton campaign", "he had offended veterans and women"),
        ),
        (  # a cue closing its paragraph with a colon, then a block without quotation marks
            "Rush Limbaugh added:\n\nAnd from a supposed front-runner, this reeks of the "
            "greatest fear I have seen.\n\nThe show ended.\n",
            (
                "Rush Limbaugh",
                "And from a supposed front-runner, this reeks of the greatest fear I have seen",
            ),
        ),
        (  # a passive cue with its agent
            "His views were echoed by a number of tax experts.\n",
            ("unnamed experts", "His views were echoed"),
        ),
        (  # time words between the speaker and the cue
            "Wells Fargo just this month announced it would get rid of these incentives.\n",
            ("Wells Fargo", "it would get rid of these incentives"),
        ),
        (  # 'suspect' is a belief verb
            "Many experts suspect those losses were generated by savvy use of tax breaks.\n",
            ("unnamed experts", "those losses were generated by savvy use of tax breaks"),
        ),
    ],
)
def test_third_pass_shapes(text: str, expected: tuple[str, str]) -> None:
    assert pairs("Markets fell.\n\n" + text) == [expected]


def test_passive_without_agent_or_with_a_pronoun_agent_is_no_claim() -> None:
    assert pairs("Markets fell.\n\nThe plan was criticized as too costly.\n") == []
    assert pairs("Markets fell.\n\nThe plan was criticized by them.\n") == []

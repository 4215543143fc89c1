"""Issue 19, fourth pass: pronouns bound to people only, positions in subordinate clauses and
under a pronoun, transcript labels, signed paragraphs, clauses of their own inside a
reported content, and the narration cues PolNeAR annotates (the rules backend)."""

from __future__ import annotations

import pytest
from rules_claims import pairs

from stancetrack.llm.rules.lexicon import default_lexicon
from stancetrack.llm.rules.person_names import common_noun_names
from stancetrack.llm.rules.speakers import ADJECTIVES
from stancetrack.llm.rules.tokens import female_of, mentions

# ---- pronouns bind to people -------------------------------------------------------------


def test_a_place_after_the_article_is_no_referent_of_he() -> None:
    text = (
        "President Barack Obama opened the museum on Saturday.\n\n"
        "On the day, the crowd filled the National Mall on Saturday.\n\n"
        "He said the museum would tell the story of the country.\n"
    )
    assert pairs(text)[-1] == (
        "Barack Obama",
        "the museum would tell the story of the country",
    )


def test_a_title_used_as_a_noun_is_no_referent_of_she() -> None:
    text = (
        "Hillary Clinton spoke in Ohio.\n\n"
        "Trump kept attacking a former Miss Universe on Friday.\n\n"
        "She said his temperament is dangerous for a president.\n"
    )
    assert pairs(text) == [("Hillary Clinton", "his temperament is dangerous for a president")]


def test_common_noun_names_keep_modifiers_and_antonomasia_as_people() -> None:
    lex = default_lexicon()
    text = (
        "Mitt Romney lost. The Romney campaign faded, and Mitt Romney left. They would not "
        "do that to a Mitt Romney. The Cold War was over. Rep. Bobby Scott is an African "
        "American.\n"
    )
    words = frozenset({"on", "in", "and", "was"})
    things = common_noun_names(text, mentions(text, lex), ADJECTIVES, words)
    assert "Cold War" in things
    assert "African American" in things  # ends in a nationality adjective
    assert "Mitt Romney" not in things and "Romney" not in things
    assert "Bobby Scott" not in things


def test_a_female_first_name_after_an_epithet() -> None:
    lex = default_lexicon()
    assert female_of("Crooked Hillary Clinton", "", lex) is True
    assert female_of("Donald Trump", "", lex) is False


# ---- verbs of position -------------------------------------------------------------------


def test_he_bound_to_a_person_may_take_a_position() -> None:
    text = (
        "Donald Trump spoke in Ohio on Monday.\n\nTrump was late.\n\n"
        "He attacked the hateful ideology of radical Islam.\n"
    )
    assert pairs(text) == [("Donald Trump", "the hateful ideology of radical Islam")]


def test_position_in_a_subordinate_clause() -> None:
    text = "The call came after rival Donald Trump attacked Alicia Machado in early tweets.\n"
    assert pairs(text) == [("Donald Trump", "Alicia Machado in early tweets")]


def test_position_before_a_reported_claim_with_the_same_subject_ends_at_the_comma() -> None:
    text = (
        "Markets fell.\n\nMr. Trump has attacked loopholes that benefit others, and has "
        "called for eliminating the tax treatment of carried interest.\n"
    )
    assert [quote for _, quote in pairs(text)] == [
        "loopholes that benefit others",
        "for eliminating the tax treatment of carried interest",
    ]


def test_an_adverb_or_a_day_inside_a_phrasal_verb() -> None:
    text = "Markets fell.\n\nHillary Clinton spoke out Tuesday about the death of a man in Tulsa.\n"
    assert pairs(text) == [("Hillary Clinton", "the death of a man in Tulsa")]


# ---- quotations and labels ---------------------------------------------------------------


def test_transcript_labels_in_capitals_are_people() -> None:
    text = (
        "Gov. Mike Pence spoke to Chris Wallace on Sunday.\n\n"
        "Partial transcript as follows:\n\n"
        '"WALLACE: Let us start with the news of the day on the debate.\n\n'
        '"PENCE: Well, look, Hillary Clinton apparently thinks this is a game show.\n'
    )
    assert pairs(text) == [
        ("Chris Wallace", "Let us start with the news of the day on the debate"),
        ("Mike Pence", "Well, look, Hillary Clinton apparently thinks this is a game show"),
    ]


def test_a_paragraph_signed_after_a_dash_whatever_its_marks() -> None:
    text = (
        "Readers sent their views.\n\n"
        "”Mr. Trump embodies the lasting legacy of racism in the United States.” ― Sonya "
        "Herridge\n"
    )
    [(actor, quote)] = pairs(text)
    assert actor == "Sonya Herridge"
    assert "lasting legacy of racism" in quote


def test_a_speech_verb_clause_inside_a_reported_content_is_its_own_claim() -> None:
    text = (
        "Markets fell.\n\nLoretta Lynch said the demands of government work erase old "
        "barriers, though she noted she has also pushed for prosecution of trafficking "
        "cases.\n"
    )
    assert pairs(text) == [
        ("Loretta Lynch", "the demands of government work erase old barriers"),
        ("Loretta Lynch", "she has also pushed for prosecution of trafficking cases"),
    ]


def test_a_condition_inside_a_content_gives_its_subject_no_claim() -> None:
    text = (
        "Markets fell.\n\nThe State Department described the call as candid, noting that if "
        "Russia wants to prove its intentions, it should withdraw its troops.\n"
    )
    assert {actor for actor, _ in pairs(text)} == {"State Department"}  # not Russia


# ---- narration cues from the lexicon -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Donald Trump unleashed a flurry of tweets shaming the former pageant winner.\n",
            ("Donald Trump", "a flurry of tweets shaming the former pageant winner"),
        ),
        (
            "Markets fell.\n\nThe Trump campaign did not immediately respond to requests for "
            "comment.\n",
            ("Trump campaign", "requests for comment"),
        ),
        (
            "Markets fell.\n\nAs Margarita Simonyan put it, RT is providing a perspective you "
            "will not get elsewhere.\n",
            ("Margarita Simonyan", "RT is providing a perspective you will not get elsewhere"),
        ),
        (
            "Markets fell.\n\nPolitifact then ruled that the statement about Chicago was true.\n",
            ("Politifact", "the statement about Chicago was true"),
        ),
        (
            "Markets fell.\n\nRecent polls show a close contest in the state of Florida.\n",
            ("Recent polls", "a close contest in the state of Florida"),
        ),
        (
            "Markets fell.\n\nA House panel voted to hold Bryan Pagliano in contempt of "
            "Congress.\n",
            ("House panel", "to hold Bryan Pagliano in contempt of Congress"),
        ),
        (
            "Markets fell.\n\nRoy Cooper called on police to release the videos of the shooting.\n",
            ("Roy Cooper", "on police to release the videos of the shooting"),
        ),
        (
            "Markets fell.\n\nBernie Sanders offered some pointed advice to Hillary Clinton on "
            "young voters.\n",
            ("Bernie Sanders", "some pointed advice to Hillary Clinton on young voters"),
        ),
        (
            "Markets fell.\n\nThe Republican nominee linked cyber attacks to the private "
            "email server of his opponent.\n",
            ("Republican nominee", "cyber attacks to the private email server of his opponent"),
        ),
        (
            "Markets fell.\n\nEnvironmentalists worry that the cost of the mines could fall "
            "to taxpayers.\n",
            ("unnamed environmentalists", "the cost of the mines could fall to taxpayers"),
        ),
    ],
)
def test_narration_cues_polnear_annotates(text: str, expected: tuple[str, str]) -> None:
    assert pairs(text) == [expected]

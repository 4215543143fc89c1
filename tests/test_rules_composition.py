"""Issue 19: the rules backend composes stance from the sentence and keeps only real actors."""

from __future__ import annotations

import pytest

from stancetrack.llm.rules import extract_claims
from stancetrack.llm.rules.lexicon import default_lexicon, lexicon_for
from stancetrack.llm.rules.stance import article_elsewhere, article_on_target, read_stance
from stancetrack.llm.rules.tokens import classify, mentions
from stancetrack.schemas import Stance


def _stance(text: str, *, on_topic: bool = True, rejected_by: str = "") -> Stance:
    return read_stance(
        text, "", default_lexicon(), on_topic=on_topic, rejected_by=rejected_by
    ).stance


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # negation and modality
        ("Turkey will not support Sweden joining NATO", Stance.OPPOSE),
        ("Turkey will support Sweden joining NATO", Stance.SUPPORT),
        (
            "Countries that put sanctions on Turkey cannot expect Turkey to open NATO's door",
            Stance.OPPOSE,
        ),
        ("there is no reason to delay Finland's accession", Stance.SUPPORT),
        # rejection of the other side's premise
        ("no country gets to veto the choices of its neighbours in NATO", Stance.SUPPORT),
        (
            "Moscow does not get to draw lines on the map that decide which neighbours may join us",
            Stance.SUPPORT,
        ),
        # rhetorical questions
        ("Why would we rush to welcome a country whose politicians lecture us?", Stance.OPPOSE),
        ("Should we fight NATO then?", Stance.OPPOSE),
        # evaluation with its object before it
        ("Admitting Ukraine now would be a mistake", Stance.OPPOSE),
    ],
)
def test_composed_stance(text: str, expected: Stance) -> None:
    assert _stance(text) is expected


def test_condition_keeps_stance_with_lower_confidence() -> None:
    lex = default_lexicon()
    plain = read_stance("Turkey will back Sweden's bid", "", lex)
    conditional = read_stance("Turkey will back Sweden's bid as long as Stockholm acts", "", lex)
    assert plain.stance is conditional.stance is Stance.SUPPORT
    assert conditional.confidence < plain.confidence
    assert "conditional" in conditional.rationale and "as long as" in conditional.rationale


def test_hypothetical_antecedent_is_not_the_position() -> None:
    text = "If we admit Ukraine while the war is going on, every ally is at war with Russia."
    assert _stance(text) is Stance.OPPOSE


def test_rejecting_verb_flips_the_clause() -> None:
    assert _stance("Moscow could veto NATO membership of its neighbours") is Stance.OPPOSE
    text = "Moscow could veto NATO membership of its neighbours"
    assert _stance(text, rejected_by="rejected") is Stance.SUPPORT


def test_rationale_names_what_decided() -> None:
    reading = read_stance("Turkey will not support Sweden joining NATO", "", default_lexicon())
    assert '"support"' in reading.rationale and 'negated by "not"' in reading.rationale


def test_off_topic_claim_is_unrelated() -> None:
    assert (
        _stance("the U.K. has a package of measures including sanctions ready") is Stance.UNRELATED
    )


def test_readme_post_example_is_oppose() -> None:
    text = "President Recep Tayyip Erdogan said Turkey will not support Sweden joining NATO."
    [claim] = extract_claims(text)
    assert claim.claim.stance is Stance.OPPOSE
    assert claim.claim.actor == "Recep Tayyip Erdogan"


def _actors(text: str) -> list[str]:
    return [c.claim.actor for c in extract_claims(text)]


def test_role_description_is_the_named_person() -> None:
    text = (
        "Turkish President Recep Tayyip Erdogan met reporters in Ankara.\n"
        "Turkey's president said the Nordic countries must do more before any vote.\n"
    )
    assert _actors(text) == ["Recep Tayyip Erdogan"]


def test_compound_speaker_gives_one_claim_per_person() -> None:
    text = (
        "Russian Foreign Minister Sergey Lavrov and U.S. Secretary of State Antony Blinken met.\n"
        "Lavrov and Blinken said the talks had been useful and would continue next year.\n"
    )
    assert sorted(_actors(text)) == ["Antony Blinken", "Sergey Lavrov"]


@pytest.mark.parametrize(
    ("speaker", "actor"),
    [("Analysts", "unnamed analysts"), ("Western leaders", "unnamed leaders")],
)
def test_generic_plurals_are_an_anonymous_group(speaker: str, actor: str) -> None:
    text = f"{speaker} said the alliance would admit Sweden within the year.\n"
    assert _actors(text) == [actor]


def test_dateline_and_nationality_word_are_no_actor() -> None:
    assert _actors("Russian said the alliance would admit Sweden within the year.\n") == []


def test_affiliated_plural_is_its_government() -> None:
    text = "Finnish officials said the alliance would admit Finland within the year.\n"
    assert _actors(text) == ["Finnish government"]


def test_office_is_the_persons_organisation() -> None:
    text = (
        "Turkish President Recep Tayyip Erdogan spoke on Tuesday.\n"
        "Erdogan's office said Turkey's demands on the accession talks had been met.\n"
    )
    assert _actors(text) == ["Recep Tayyip Erdogan's office"]


def test_article_about_another_target_is_not_about_this_one() -> None:
    """A term two targets share ("membership", "join") does not make a NATO article about
    EU enlargement; the EU's own terms ("EU") do."""
    eu = lexicon_for("EU enlargement")
    nato_article = (
        "Finland applied for NATO membership in May. NATO allies, NATO said, welcomed it.\n"
        'Niinisto said: "Joining is the best way to guarantee our security, a historic step."\n'
    )
    assert not article_on_target(nato_article, eu)
    assert article_elsewhere(nato_article, eu)
    assert article_on_target(nato_article, default_lexicon())
    [claim] = extract_claims(nato_article, eu)
    assert claim.claim.stance is Stance.UNRELATED
    eu_article = nato_article.replace("NATO", "EU")
    assert article_on_target(eu_article, eu) and not article_elsewhere(eu_article, eu)
    [claim] = extract_claims(eu_article, eu)
    assert claim.claim.stance is Stance.SUPPORT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a cue inside a condition that follows its clause is not the speaker's position
        (
            "the question of membership could only be settled once the fighting had stopped",
            Stance.NEUTRAL,
        ),
        # a one-word predicate named as a noun describes, it takes no side
        ("any delay is a political choice rather than a procedural one", Stance.NEUTRAL),
        ("the delay had always been about leverage rather than principle", Stance.NEUTRAL),
        ("Hungary will delay the vote on Sweden's accession", Stance.OPPOSE),
        # 'against' does not negate the cue after it
        (
            "Ankara wants Stockholm to act against groups it considers terrorist organisations",
            Stance.OPPOSE,
        ),
        # applying is taking the side of membership
        ("Finland would apply for membership", Stance.SUPPORT),
    ],
)
def test_conditions_nouns_and_applying(text: str, expected: Stance) -> None:
    assert _stance(text) is expected


def test_aggression_without_the_target_is_unrelated() -> None:
    text = "any new Russian aggression against Ukraine would bring massive consequences"
    assert _stance(text) is Stance.UNRELATED


def test_singular_anonymous_source_is_unnamed() -> None:
    text = "The alliance will admit Sweden within the year, according to a U.S. official.\n"
    assert _actors(text) == ["unnamed U.S. official"]


def test_compound_adjective_and_region_are_no_person() -> None:
    lex = default_lexicon()
    text = "Ukraine may try to reclaim Russian-annexed Crimea, as Eastern Europe watches.\n"
    names = [m.name for m in mentions(text, lex)]
    assert "Crimea" in names and not any("annexed" in n for n in names)
    assert classify(["Eastern", "Europe"], lex, titled=False) != "person"
    assert classify(["Boris", "Johnson"], lex, titled=False) == "person"

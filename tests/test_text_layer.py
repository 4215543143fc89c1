"""The text layer (issue 22): one index per article, one word list per concept, one fold.

The index's spans are offsets into the text (paragraphs, sentences, quotation regions, name
runs); every reader of an article (chunking, the rules, speaker evidence, actor names)
shares the one index built for it; the word lists come from the one lexicon file and are
the same objects for the rules and for grounding's side.
"""

from __future__ import annotations

import pytest
import yaml

from stancetrack import actors, speaker_evidence
from stancetrack.evaluation import matching
from stancetrack.grounding import ArticleText
from stancetrack.llm.chunking import split_text
from stancetrack.llm.rules.lexicon import default_lexicon
from stancetrack.llm.rules.text import layout
from stancetrack.text import index as index_module
from stancetrack.text.folding import fold
from stancetrack.text.index import build_index, text_index
from stancetrack.text.words import words

ARTICLE = (
    '  Mr. Putin met George W. Bush in Sochi. He said: "NATO is a threat. We will act."\n'
    "\n"
    'Finnish President Sauli Niinisto disagreed. "The door is open, Niinisto said.\n'
    "In Helsinki. Johnson spoke.\n"
)


def spans(text: str, found: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in found]


def test_paragraphs_and_sentences_are_offsets_of_the_text() -> None:
    index = build_index(ARTICLE)
    assert spans(ARTICLE, index.paragraphs) == [
        'Mr. Putin met George W. Bush in Sochi. He said: "NATO is a threat. We will act."',
        'Finnish President Sauli Niinisto disagreed. "The door is open, Niinisto said.',
        "In Helsinki. Johnson spoke.",
    ]
    # No break after an abbreviation ("Mr."), an initial ("W.") or inside a quotation.
    assert spans(ARTICLE, index.sentences) == [
        "Mr. Putin met George W. Bush in Sochi.",
        'He said: "NATO is a threat. We will act."',
        "Finnish President Sauli Niinisto disagreed.",
        '"The door is open, Niinisto said.',
        "In Helsinki.",
        "Johnson spoke.",
    ]
    sentence = index.sentence_of(ARTICLE.index("threat"))
    assert ARTICLE[sentence[0] : sentence[1]].startswith("He said")
    assert index.paragraph_of(ARTICLE.index("Johnson")) == 2


def test_quotation_regions_closed_and_running_to_the_paragraph_end() -> None:
    index = build_index(ARTICLE)
    closed, unclosed = index.regions
    assert ARTICLE[closed.start : closed.end] == '"NATO is a threat. We will act."'
    assert ARTICLE[closed.inner[0] : closed.inner[1]] == "NATO is a threat. We will act."
    assert closed.closed and closed.paragraph == 0
    assert not unclosed.closed and unclosed.paragraph == 1
    assert ARTICLE[unclosed.inner[0] : unclosed.inner[1]] == "The door is open, Niinisto said."
    assert index.region_at(ARTICLE.index("threat")) is closed
    assert index.region_at(ARTICLE.index("Sochi")) is None


def test_name_runs_stop_at_sentences_and_at_words_that_are_no_names() -> None:
    index = build_index(ARTICLE)
    w = index.words

    def run(word: str) -> str:
        i = w.tokens.index(word)
        return ARTICLE[w.starts[w.run_first[i]] : w.ends[i]]

    assert run("Niinisto") == "Finnish President Sauli Niinisto"
    assert run("Bush") == "George W. Bush"  # an initial continues the run
    assert run("Johnson") == "Johnson"  # "Helsinki." ends the sentence before it
    assert run("Putin") == "Putin"  # "Mr" is no name (the lexicon's not_names)
    assert actors.full_names_in(ARTICLE, "niinisto") == {"sauli niinisto": "Sauli Niinisto"}
    assert actors.full_names_in(ARTICLE, "johnson") == {}


def test_one_index_per_article_whoever_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunking, the rules, speaker evidence and actor names share the index of a text:
    built once, however many quotes are located in it."""
    built = []
    real = index_module.TextIndex.__init__

    def counting(self: index_module.TextIndex, text: str, abbreviations: frozenset[str]) -> None:
        built.append(text)
        real(self, text, abbreviations)

    monkeypatch.setattr(index_module.TextIndex, "__init__", counting)
    text_index.cache_clear()
    lines = [f'"We will never accept point {i}," Putin said.' for i in range(300)]
    text = "\n".join(["Russian President Vladimir Putin spoke on Monday.", *lines])
    speakers = speaker_evidence.ArticleSpeakers(ArticleText(text))
    for i in range(300):
        quote = f"We will never accept point {i}"
        start = text.index(quote)
        found = speakers.locate((start, start + len(quote)), "Putin", "Vladimir Putin", "person")
        assert found.evidence == "cue"
    assert actors.full_names_in(text, "putin") == {"vladimir putin": "Vladimir Putin"}
    assert layout(text, default_lexicon().words.abbreviations) is text_index(text)
    assert len(split_text(text, 200)) > 1
    assert built == [text]


def test_chunks_end_on_the_index_sentences_of_an_overlong_paragraph() -> None:
    text = " ".join(f"Mr. Smith spoke to group {i} on Monday." for i in range(40))
    chunks = split_text(text, 60)
    ends = {b for _a, b in build_index(text).sentences}
    assert all(c.end in ends for c in chunks[:-1])
    assert all(not c.text.endswith("Mr.") for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_one_list_per_concept_from_the_one_lexicon() -> None:
    language, lexicon = words(), default_lexicon()
    assert lexicon.words == language  # the rules read the text layer's lists, not copies
    assert list(language.titles) == actors.TITLE_WORDS
    assert language.pronouns == actors.PRONOUNS
    # The speaker-evidence file keeps its window only; its cues are the language's.
    raw = (
        speaker_evidence.resources.files("stancetrack.prompts")
        .joinpath(*speaker_evidence.CUES_FILE.split("/"))
        .read_bytes()
    )
    assert set(yaml.safe_load(raw)) == {"version", "cue_window"}
    cues = speaker_evidence.default_cues()
    assert "said" in cues.forms and "according to" in cues.forms and "in an interview" in cues.forms
    assert "believes" not in cues.forms  # belief is no cue (measured: see docs)
    # Nothing parsed and unused: every list is non-empty.
    for field in type(language).model_fields:
        assert getattr(language, field), field


def test_one_fold() -> None:
    assert actors.fold is fold
    assert matching._fold is fold
    assert fold("Erdoğan’s,") == "erdogan"
    assert fold("Stol\u00adtenberg") == "stoltenberg"


def test_titles_of_both_sides_strip_people_not_groups() -> None:
    """The one title list is the union of the rules' and the actor keys' old lists: either
    side's titles leave a person's name, but a collective noun keeps its modifier."""
    assert actors.name_key("Judge Amy Coney Barrett") == "amy coney barrett"  # rules' title
    assert actors.name_key("Kremlin Vladimir Putin") == "vladimir putin"  # actors' title
    assert actors.name_key("Republican lawmakers") != actors.name_key("Democratic lawmakers")
    assert actors.name_key("GOP leaders") == "gop leaders"


def test_a_malformed_list_in_the_lexicon_is_one_config_error_naming_it() -> None:
    from stancetrack.errors import ConfigError
    from stancetrack.text.words import parse_words

    for data, named in (
        ({"titles": "Mr."}, "titles"),
        ({"reporting_verbs": {"speech": ["said", 3]}}, "reporting_verbs.speech"),
        ({"abbreviations": None}, "abbreviations"),
    ):
        with pytest.raises(ConfigError, match=named):
            parse_words(data)
    # Lower case, blanks dropped, titles longest first with ties in one fixed order.
    found = parse_words({"titles": ["Vice President", " ", "Mr.", "Dr."], "not_names": ["The"]})
    assert found.titles == ("vice president", "dr.", "mr.")
    assert found.not_names == frozenset({"the"})

"""Subjects skip the scan for a subject whose first words a text lacks; the answers must be
those of scanning for every subject, whatever the text's case and characters."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from stancetrack import subjects as subjects_module
from stancetrack.subjects import Group, Subject, Subjects, first_words, words_of

SUBJECTS = Subjects(
    [
        Subject("Finland", ("Finnish", "Helsinki", "Finns")),
        Subject("Sweden", ("Swedish", "Stockholm")),
        Subject("North Macedonia", ("Skopje",)),
        Subject("Bosnia and Herzegovina", ("Bosnia-Herzegovina", "Sarajevo")),
        Subject("Türkiye", ("Turkey", "Ankara")),
        Subject("U.S.", ("United States",)),
    ],
    [Group(("Finland", "Sweden"), ("the two Nordic countries", "both countries"))],
)
PIECES = [
    "Finland", "FINNISH", "finns", "Helsinki's", "sweden", "Stockholm", "North  Macedonia",
    "North\nMacedonia", "Macedonia", "Bosnia-Herzegovina", "Bosnia", "TÜRKIYE", "Türkiye",
    "turkey’s", "U.S.", "u.s", "United States", "the two Nordic countries", "Finlandia",
    "Swedes", "İ", "ı", "ſweden", "\u212aYIV", "said", "NATO", ".", ",", " ", "\n", "“", "”",
]  # fmt: skip


# The subjects' patterns with the shortcut off (no first words for any subject).
ALL_SCANNED = [(name, pattern, None) for name, pattern, _ in SUBJECTS._patterns]


def _all_scanned(text: str) -> list[tuple[frozenset[str], list[int], list[int]]]:
    return subjects_module._Mentions(text, ALL_SCANNED, SUBJECTS._groups)._spans


def _found(spans: list[tuple[frozenset[str], list[int], list[int]]]) -> set[tuple[str, int]]:
    return {(name, a) for names, starts, _ in spans for name in names for a in starts}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_the_shortcut_finds_what_scanning_everything_finds(parts: list[str]) -> None:
    text = " ".join(parts)
    SUBJECTS._kept = None
    quick = SUBJECTS._mentions(text)
    assert _found(quick._spans) == _found(_all_scanned(text))
    assert quick.anywhere == subjects_module._Mentions(text, ALL_SCANNED, SUBJECTS._groups).anywhere


def test_first_words_and_the_text_words() -> None:
    assert first_words(["North Macedonia", "Skopje"]) == {"north", "skopje"}
    assert first_words(["U.S.", "United States"]) == {"u", "united"}
    assert first_words(["Türkiye"]) is None  # not ASCII: always scanned
    assert words_of("Finland's  bid") == {"finland", "s", "bid"}
    assert words_of("\u0130stanbul") is None


def test_every_character_a_pattern_takes_for_an_ascii_letter_disables_the_shortcut() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    lookalikes = {
        chr(c)
        for c in range(0x80, sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and letter.fullmatch(chr(c))
    }
    assert lookalikes, "the check found nothing: it looks in the wrong place"
    assert all(subjects_module._ASCII_LOOKALIKES.fullmatch(c) for c in lookalikes), lookalikes

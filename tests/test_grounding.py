"""Grounding: quotes are located in code; the stored quote is always the article's own text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stancetrack.grounding import (
    _CHAR_MAP,
    _DROPPED,
    EMPTY_QUOTE,
    FUZZY_THRESHOLD,
    QUOTE_NOT_FOUND,
    QUOTE_TOO_SHORT,
    ArticleText,
    GroundedSpan,
    Rejection,
    explain,
    ground_quote,
    normalize_with_map,
)
from stancetrack.ingest.readers import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _articles() -> list[tuple[str, list[dict[str, object]]]]:
    out = []
    for path in sorted((FIXTURES / "articles").glob("*.txt")):
        article = next(read_file(path, max_bytes=10_000_000))
        assert not isinstance(article, Exception)
        gold = json.loads((FIXTURES / "gold" / f"{path.stem}.json").read_text())["claims"]
        out.append((article.text, gold))
    return out


def test_every_gold_quote_grounds_exactly() -> None:
    count = 0
    for text, gold in _articles():
        for claim in gold:
            quote = str(claim["quote"])
            span = ground_quote(text, quote)
            assert span is not None, quote
            assert span.alignment == "exact"
            assert text[span.start : span.end] == quote
            count += 1
    assert count > 100


def test_curly_quotes_and_doubled_spaces_ground_to_the_right_span() -> None:
    text = "Intro line.\nShe said “we will not  wait — ever” and left…\nMore text here."
    span = ground_quote(text, '"We will not wait - ever" and left...')
    assert span is not None
    assert span.alignment == "normalized"
    assert text[span.start : span.end] == "“we will not  wait — ever” and left…"


def test_wrapping_quotation_marks_and_full_stop_are_dropped() -> None:
    text = "The minister said the door remains open to new members, officials confirmed."
    span = ground_quote(text, "“the door remains open to new members.”")
    assert span is not None and span.alignment == "exact"
    assert text[span.start : span.end] == "the door remains open to new members"


def test_window_prefers_the_occurrence_in_the_models_chunk() -> None:
    text = "He said NATO must stop. " * 3 + "Later: He said NATO must stop."
    last = text.rindex("NATO must stop")
    span = ground_quote(text, "NATO must stop", window=(last - 5, len(text)))
    assert span is not None and span.start == last
    assert ground_quote(text, "NATO must stop") == GroundedSpan(8, 22, "exact", 100.0)


def test_window_applies_to_normalized_matches() -> None:
    text = "“NATO must stop” he said. Then again: “NATO must stop”."
    second = text.rindex("NATO")
    span = ground_quote(text, '"nato must stop"', window=(second - 1, len(text)))
    assert span is not None and span.alignment == "normalized"
    assert span.start == second  # stored without the enclosing marks


def test_fuzzy_alignment_accepts_small_slips_and_reports_its_score() -> None:
    text = "Alpha. The alliance will defend every inch of allied territory, Stoltenberg said."
    span = ground_quote(text, "the alliance will defend evry inch of alied territory")
    assert span is not None and span.alignment == "fuzzy"
    assert FUZZY_THRESHOLD <= span.score < 100
    assert text[span.start : span.end] == "The alliance will defend every inch of allied territory"


def test_hallucinated_quote_is_rejected_with_reason() -> None:
    text = "Putin said the West ignored Russia's demands over Ukraine."
    rejection = explain(text, "Russia will invade Finland next spring without hesitation")
    assert rejection is not None
    assert rejection.reason == QUOTE_NOT_FOUND
    assert "below the threshold" in rejection.detail


@pytest.mark.parametrize(
    ("quote", "reason"),
    [("", EMPTY_QUOTE), ("   ", EMPTY_QUOTE), ("yes", QUOTE_TOO_SHORT), ("NATO", QUOTE_TOO_SHORT)],
)
def test_empty_and_too_short_quotes_are_unverifiable(quote: str, reason: str) -> None:
    text = "yes NATO yes NATO and more words"
    found = ArticleText(text).ground(quote)
    assert isinstance(found, Rejection) and found.reason == reason


def test_short_two_word_quote_needs_an_exact_match() -> None:
    text = "There is no hurry, he said."
    assert ground_quote(text, "no hurry") == GroundedSpan(9, 17, "exact", 100.0)
    assert ground_quote(text, "no hurrry") is None  # too short to align fuzzily


def test_normalize_map_points_back_into_the_original() -> None:
    text = "A  “b”\t— c… É"
    norm = normalize_with_map(text)
    assert norm.text == 'a "b" - c... é'
    for i, ch in enumerate(norm.text):
        source = text[norm.starts[i] : norm.ends[i]]
        assert source, (i, ch)


def _normalize_char_by_char(text: str) -> tuple[str, list[int], list[int]]:
    """The canonical form by its definition, one character at a time (the module's
    run-at-a-time version must agree with it everywhere)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            out.append(" ")
            starts.append(i)
            ends.append(j)
            i = j
            continue
        if text[i] not in _DROPPED:
            for m in _CHAR_MAP.get(text[i]) or text[i].lower():
                out.append(m)
                starts.append(i)
                ends.append(i + 1)
        i += 1
    return "".join(out), starts, ends


_ODD = "ΣΟΔΟΣ İstanbul \u00ad\u200b\ufeff\u2028\x1c\xa0\u3000ß ǅ ﬁ “”‘’…–—−«»"


@settings(max_examples=400, deadline=None)
@example("ΟΔΟΣ ΣΑΣ. İstanbul\u00ad “x”…")
@given(st.text(alphabet=st.sampled_from(list(_ODD) + list("abc XYZ.\n\t")) | st.characters()))
def test_normalize_agrees_with_the_char_by_char_definition(text: str) -> None:
    norm = normalize_with_map(text)
    assert (norm.text, norm.starts, norm.ends) == _normalize_char_by_char(text)


_ALPHABET = [*"abcdefghij ABC", "“", "”", "’", "'", '"', "—", "-", "…", "  ", "\n", "."]


def _mutate(rng: random.Random, quote: str) -> str:
    """Variations a model produces: case, quote styles, dashes, spacing, small typos."""
    table = {
        "“": '"',
        "”": '"',
        "’": "'",
        "—": "-",
        "…": "...",
        "\n": " ",
        "  ": " ",
    }
    out = quote
    if rng.random() < 0.5:
        for a, b in table.items():
            out = out.replace(a, b)
    if rng.random() < 0.3:
        out = out.upper()
    if rng.random() < 0.3 and len(out) > 30:
        i = rng.randrange(len(out))
        out = out[:i] + out[i + 1 :]
    return out


def test_randomized_spans_always_slice_the_article() -> None:
    rng = random.Random(20240307)
    grounded = 0
    for _ in range(600):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(40, 400)))
        a = rng.randrange(len(text))
        b = min(len(text), a + rng.randint(1, 80))
        quote = _mutate(rng, text[a:b]) if rng.random() < 0.7 else "zzz qqq " * 4
        window = (max(0, a - 20), b + 20) if rng.random() < 0.5 else None
        found = ArticleText(text).ground(quote, window=window)
        if isinstance(found, GroundedSpan):
            grounded += 1
            assert 0 <= found.start < found.end <= len(text)
            piece = text[found.start : found.end]
            # What is stored is the article's own text, and it is the quote up to the
            # documented normalisation (exact/normalised) or similar to it (fuzzy).
            if found.alignment == "exact":
                assert piece in _variants_of(quote)
            elif found.alignment == "normalized":
                assert normalize_with_map(piece).text.strip() in {
                    normalize_with_map(v).text.strip() for v in _variants_of(quote)
                }
            else:
                assert found.score >= FUZZY_THRESHOLD
        else:
            assert found.reason in {EMPTY_QUOTE, QUOTE_TOO_SHORT, QUOTE_NOT_FOUND}
    assert grounded > 200


def _variants_of(quote: str) -> set[str]:
    from stancetrack.grounding import _candidates

    return set(_candidates(quote))

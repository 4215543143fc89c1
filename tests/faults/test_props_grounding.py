"""Property tests over grounding (issue 11): a quote cut from the text, with its whitespace
and quotation marks perturbed, is always grounded at the right place or rejected as too
short; never at wrong offsets.

"Right place" is checked without trusting grounding's own normaliser for the comparison:
the grounded span, with whitespace runs collapsed, quotation marks unified and case folded,
equals the cut quote under the same mapping (the cut may also lose enclosing marks and
trailing punctuation, which grounding strips by design). A quote that is not in the text
is rejected, or grounded fuzzily only with a similarity of 90 or more.
"""

from __future__ import annotations

import re

import pytest
from fault_counts import FAULTS, record
from hypothesis import assume, given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from stancetrack.grounding import (
    FUZZY_THRESHOLD,
    QUOTE_TOO_SHORT,
    ArticleText,
    GroundedSpan,
    Rejection,
)

pytestmark = pytest.mark.faults

DOUBLE = '"“”„«»'
SINGLE = "'‘’"
_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEÉçß", min_size=1, max_size=9)
_seps = st.sampled_from([" ", "  ", "\n", ", ", ". ", " - ", " — ", "\t", ' "', '" ', " '", "’s "])
TEXTS = st.lists(st.tuples(_words, _seps), min_size=8, max_size=80).map(
    lambda parts: "".join(w + s for w, s in parts)
)


def canon(text: str) -> str:
    """An independent reference form: one space per whitespace run, one double and one
    single quotation mark, dashes unified, case folded, no enclosing marks or trailing
    punctuation."""
    out = re.sub(r"\s+", " ", text)
    out = re.sub(f"[{DOUBLE}]", '"', out)
    out = re.sub(f"[{SINGLE}]", "'", out)
    out = re.sub("[—–-]", "-", out).casefold()
    previous = None
    while previous != out:
        previous = out
        out = out.strip(" \"'").rstrip(".,;:!?")
    return out


@st.composite
def perturbed(draw: st.DrawFn, quote: str) -> str:
    """The quote as a model might send it: spacing and marks changed, maybe wrapped."""
    out = []
    for ch in quote:
        if ch.isspace():
            out.append(draw(st.sampled_from([" ", "  ", "\n", " \t"])))
        elif ch in DOUBLE:
            out.append(draw(st.sampled_from(list(DOUBLE))))
        elif ch in SINGLE:
            out.append(draw(st.sampled_from(list(SINGLE))))
        else:
            out.append(ch)
    sent = "".join(out)
    if draw(st.booleans()):
        left, right = draw(st.sampled_from([('"', '"'), ("“", "”"), ("«", "»"), ("'", "'")]))
        sent = left + sent + right
    if draw(st.booleans()):
        sent += draw(st.sampled_from([".", ",", " "]))
    return sent


@FAULTS
@given(data=st.data(), text=TEXTS)
def test_a_cut_quote_is_grounded_at_the_right_place_or_rejected(
    data: st.DataObject, text: str
) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    # Mostly long enough to prove something (6+ characters, 2+ words), sometimes not.
    length = data.draw(st.sampled_from([1, 3, 5, 12, 20, 40, 80, 200]) | st.integers(12, 200))
    end = min(len(text), start + length)
    quote = text[start:end]
    assume(canon(quote))
    sent = data.draw(perturbed(quote))
    found = ArticleText(text).ground(sent)
    if isinstance(found, Rejection):
        # A quote cut from the text is only ever refused for being too short to prove.
        assert found.reason == QUOTE_TOO_SHORT, (found, quote, sent)
        outcome = "rejected"
    else:
        assert isinstance(found, GroundedSpan)
        assert 0 <= found.start < found.end <= len(text)
        assert found.alignment in ("exact", "normalized"), (found, quote, sent)
        assert canon(text[found.start : found.end]) == canon(quote), (found, quote, sent)
        outcome = "grounded"
    record(f"grounding: quotes cut from text, perturbed ({outcome})", inputs=1, faults=1)


@FAULTS
@given(text=TEXTS, quote=st.text(min_size=6, max_size=120))
def test_a_quote_not_cut_from_the_text_is_rejected_or_close_enough(text: str, quote: str) -> None:
    found = ArticleText(text).ground(quote)
    if isinstance(found, GroundedSpan):
        span = text[found.start : found.end]
        assert 0 <= found.start < found.end <= len(text)
        if found.alignment == "fuzzy":
            assert found.score >= FUZZY_THRESHOLD
            assert fuzz.ratio(canon(quote), canon(span)) >= FUZZY_THRESHOLD - 15, (quote, span)
        else:
            assert canon(span) == canon(quote), (quote, span)
    record("grounding: random quotes (not cut from the text)", inputs=1, faults=1)

"""Layout of an article for the rules: the text layer's index (stancetrack/text/index.py).

Everything is character offsets into the article text, so every span the rules produce is
verbatim by construction.
"""

from __future__ import annotations

from stancetrack.text.index import CLOSING, OPENING, Region, TextIndex, build_index, text_index
from stancetrack.text.words import words

Layout = TextIndex
__all__ = ["CLOSING", "OPENING", "Layout", "Region", "layout"]


def layout(text: str, abbreviations: frozenset[str]) -> Layout:
    """The article's index: the shared one when the abbreviations are the language's."""
    if abbreviations == words().abbreviations:
        return text_index(text)
    return build_index(text, abbreviations)

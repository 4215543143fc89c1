"""Attributions: reporting cues, their speakers and the content they introduce.

The passes, in order: cues.py finds the cues (reporting verbs outside quotations, the
lexicon's phrases); resolve.py gives each a speaker (cue_subjects.py) and either the
clause it introduces (contents.py) or, for direct speech, leaves the quotation next to it
to quotes.py, which also gives the remaining quotations to the speaker of the quotation
before them. See prompts/rules/README.md for the rules in prose.
"""

from __future__ import annotations

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens, Attribution
from stancetrack.llm.rules.cues import find_cues
from stancetrack.llm.rules.quotes import assign_quotes, labels
from stancetrack.llm.rules.resolve import CueResolver

__all__ = ["Attribution", "AttributionFinder"]


class AttributionFinder:
    """All attributions of one article: cues resolved in text order, then quotations."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc

    def find(self) -> list[Attribution]:
        resolver = CueResolver(self.doc)
        anchors: list[Anchor] = []
        previous: Anchor | None = None
        for a in find_cues(self.doc):
            if resolver.resolve(a, previous):
                anchors.append(a)
                previous = a
        resolver.contents.split_joined(anchors)
        labelled = labels(self.doc)
        # A quotation opening with a transcript label ('"PENCE: Well, ...') is the label's.
        quoted = [
            q
            for q in assign_quotes(self.doc, anchors)
            if not any(q.start <= x.speaker.start and x.end <= q.end for x in labelled)
        ]
        return quoted + labelled

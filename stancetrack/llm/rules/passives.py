"""Claims reported in the passive with their agent: "Oz has been called a charlatan by
fellow physicians", "His views were echoed by a number of tax experts".

The attribution pass refuses passive cues (their subject is what was said about, not who
said it). Here a reporting or position verb after a form of "be", with "by" and a named
agent later in its clause, gives a claim by the agent whose content is the clause up to
"by". Runs after the other passes, on sentences they left without a claim.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from stancetrack.llm.rules.anchors import ArticleTokens, Attribution, Sentence
from stancetrack.llm.rules.clause_words import ASPECT_ADVERBS, BE_FORMS

_STRENGTH = 0.8
_MAX_GAP = 8  # tokens between the verb and 'by' ('called a charlatan by')
_MIN_WORDS = 3
_MAX_AGENT = 8
_STOPS = frozenset({",", ";", ":", ".", "that", "which", "who", "because", "after", "when"})


class PassiveFinder:
    """Claims of passive cues with an agent, in sentences without another claim."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc
        lex = doc.lex
        self.verbs = lex.words.speech_verbs | {v for v in lex.position_verbs if " " not in v}

    def find(self, taken: list[Attribution]) -> list[Attribution]:
        doc = self.doc
        # Claims by start, with the furthest end of each prefix: a sentence is covered when
        # a claim starting before its end reaches past its start (a lookup, not a scan).
        covered = sorted((a.start, a.end) for a in taken)
        starts = [s for s, _ in covered]
        reach = list(accumulate((e for _, e in covered), max))
        out: list[Attribution] = []
        for s_start, s_end in doc.layout.sentences:
            before = bisect_left(starts, s_end)
            if before and reach[before - 1] > s_start:
                continue
            found = self._in_sentence(doc.sentence(s_start))
            if found is not None:
                out.append(found)
        return out

    def _in_sentence(self, sent: Sentence) -> Attribution | None:
        doc = self.doc
        toks = doc.tokens
        for k in range(sent.lo + 1, sent.hi - 2):
            tok = toks[k]
            if tok.lower not in self.verbs or not tok.lower.endswith("ed"):
                continue
            if not self._after_be(k, sent.lo) or doc.layout.region_at(tok.start) is not None:
                continue
            by = self._by(k, sent.hi)
            if by < 0:
                continue
            agent = self._agent(by, sent.hi)
            if agent is None:
                continue
            start, end = doc.trim(sent.start, toks[by].start)
            if doc.words(start, end) < _MIN_WORDS:
                continue
            speaker = doc.finder.speaker(*agent)
            if speaker.pronoun:
                continue
            paragraph = doc.layout.paragraph_of(start)
            return Attribution(start, end, speaker, tok.lower, False, _STRENGTH, paragraph)
        return None

    def _after_be(self, k: int, lo: int) -> bool:
        i = k - 1
        while i > lo and self.doc.tokens[i].lower in ASPECT_ADVERBS:
            i -= 1
        return self.doc.tokens[i].lower in BE_FORMS

    def _by(self, k: int, hi: int) -> int:
        """The 'by' of the agent after verb k in its clause, else -1."""
        toks = self.doc.tokens
        for j in range(k + 1, min(k + 1 + _MAX_GAP, hi - 1)):
            if toks[j].lower == "by":
                return j
            if toks[j].lower in _STOPS:
                return -1
        return -1

    def _agent(self, by: int, hi: int) -> tuple[int, int] | None:
        """The agent after 'by', closing its clause: a name or a phrase ending in a speaker
        noun ('fellow physicians', 'a number of tax experts')."""
        doc = self.doc
        toks = doc.tokens
        end = by + 1
        while end < hi and end - by <= _MAX_AGENT and toks[end].text[0].isalnum():
            end += 1
        if end == by + 1 or (end < hi and toks[end].text[0].isalnum()):
            return None
        head = toks[end - 1]
        if not (doc.name_token(head) or head.lower in doc.lex.speaker_nouns):
            return None
        return by + 1, end

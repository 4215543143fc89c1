"""Claims carried by a noun of speech or belief: "Trump's claim that ...", "his warning that
...", "Clinton's repeated insistence that ...".

News often reports what someone said as a noun owned by them, with the said clause after
"that". The noun (`nominal_cues`, prompts/rules/lexicon.yaml) must be owned by a name or a
possessive pronoun and followed by a clause (not a relative one: "the claim that was
rejected"), so a noun without an owner ("the warning that ...") adds nothing: its speaker
would be a guess. Runs after the attribution and position passes, on what they left.
"""

from __future__ import annotations

from stancetrack.llm.rules.anchors import ArticleTokens, Attribution
from stancetrack.llm.rules.clause_words import NOT_CLAUSE
from stancetrack.llm.rules.speakers import POSSESSIVE_PRONOUNS

_STRENGTH = 0.8  # the speaker's words, but paraphrased by the writer
# Owners by pronoun; not "its": a thing pronoun's referent is too often a guess.
_OWNERS = frozenset(POSSESSIVE_PRONOUNS) - {"its"}
_MAX_MODIFIERS = 2  # 'his repeated, baseless claim': adjectives between owner and noun
_MIN_WORDS = 3


class NominalCueFinder:
    """Claims of nominal cues, in spans no earlier pass took."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc

    def find(self, taken: list[Attribution]) -> list[Attribution]:
        doc = self.doc
        covered = [(a.start, a.end) for a in taken]
        out: list[Attribution] = []
        for k, tok in enumerate(doc.tokens):
            if tok.lower not in doc.lex.nominal_cues or doc.layout.region_at(tok.start):
                continue
            found = self._at(k)
            if found is not None and not any(s < found.end and found.start < e for s, e in covered):
                out.append(found)
                covered.append((found.start, found.end))
        return out

    def _at(self, k: int) -> Attribution | None:
        doc = self.doc
        toks = doc.tokens
        sent = doc.sentence(toks[k].start)
        if k + 2 >= sent.hi or toks[k + 1].lower != "that":
            return None
        if toks[k + 2].lower in NOT_CLAUSE or not toks[k + 2].text[0].isalnum():
            return None  # 'the claim that was rejected': a relative clause
        owner = self._owner(k, sent.lo)
        if owner is None:
            return None
        start, end = doc.trim(toks[k + 2].start, sent.end)
        semicolon = doc.text.find(";", start, end)
        if semicolon >= 0:
            start, end = doc.trim(start, semicolon)
        if doc.words(start, end) < _MIN_WORDS:
            return None
        speaker = doc.finder.possessor(*owner)
        paragraph = doc.layout.paragraph_of(start)
        return Attribution(start, end, speaker, toks[k].lower, False, _STRENGTH, paragraph)

    def _owner(self, k: int, lo: int) -> tuple[int, int] | None:
        """The possessive before the noun (modifiers skipped): a pronoun or a name + 's."""
        toks = self.doc.tokens
        i = k - 1
        while i >= lo and k - 1 - i < _MAX_MODIFIERS and self._modifier(i):
            i -= 1
        if i < lo:
            return None
        tok = toks[i]
        if tok.lower in _OWNERS:
            return i, i + 1
        if not (tok.cap and tok.text.endswith(("'s", "’s"))):
            return None
        first = i
        while first > lo and self.doc.name_token(toks[first - 1]):
            first -= 1
        return first, i + 1

    def _modifier(self, i: int) -> bool:
        tok = self.doc.tokens[i]
        return (
            not tok.cap
            and tok.text.isalpha()
            and tok.lower not in POSSESSIVE_PRONOUNS
            and tok.lower not in NOT_CLAUSE
            and tok.lower not in ("the", "a", "an", "that", "this", "and", "or", "of")
        )

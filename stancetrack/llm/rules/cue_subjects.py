"""Who a reporting cue's subject is: the shapes of news attribution around the verb.

'Economists at the bank said' (a phrase), 'Mark Johnson, a fellow at X, said' (an
appositive), 'McConnell, who in 2010 said' (a relative), '..., said one source.' (an
inverted subject). Each answers token ranges; speakers.py turns them into speakers.
"""

from __future__ import annotations

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens
from stancetrack.llm.rules.clause_words import (
    ADJUNCT_STARTS,
    CLOSERS,
    INTRO,
    NOT_CLAUSE,
    OPENERS,
    WEEKDAYS,
)
from stancetrack.llm.rules.tokens import Token

_INVERSION_TAIL = frozenset(
    {"in", "on", "at", "during", "after", "before", "while", "who", "last", "this", "when"}
)
_PHRASE_PREPOSITIONS = frozenset(
    {"on", "in", "of", "from", "for", "at", "across", "around", "with"}
)
_LOOSE_S_FORMS = frozenset({"says", "writes", "reads", "argues", "adds", "insists", "tells"})
_DASHES = frozenset({"-", "—", "–", "―"})
_CONJUNCTIONS = frozenset({"and", "but", "or", "so", "yet", "while", "because", "although"})


class CueSubjects:
    """Subject shapes around one cue, on one article's tokens."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc

    def segment_start(self, k: int, lo: int) -> int:
        """The last punctuation boundary before token k in its sentence (lo - 1 if none);
        an affiliation '(R-S.C.)' is no boundary."""
        toks, finder = self.doc.tokens, self.doc.finder
        seg = k - 1
        while seg >= lo and not finder.is_boundary(toks[seg]):
            seg -= 1
        if seg > lo and toks[seg].text == ")":
            opening = seg
            while opening > lo and toks[opening].text != "(" and seg - opening < 8:
                opening -= 1
            if toks[opening].text == "(":
                seg = opening - 1
                while seg >= lo and not finder.is_boundary(toks[seg]):
                    seg -= 1
        return seg

    def loose(self, a: Anchor) -> bool:
        """May any determined noun be the subject ('the clip says')? Not for belief verbs,
        participles, or -s forms that are nouns as often ('Russia's security demands')."""
        if a.strength < 1.0 or a.participle:
            return False
        return not a.cue.endswith("s") or a.cue in _LOOSE_S_FORMS

    def relative(self, k: int, lo: int) -> tuple[int, tuple[int, int]] | None:
        """'McConnell, who in 2010 said ...', 'the department, which reported ...': the
        relative pronoun's index and the name it refers to."""
        toks, lex = self.doc.tokens, self.doc.lex
        i = k - 1
        while i > lo and (toks[i].lower in lex.between_words or toks[i].lower.isdigit()):
            i -= 1
        if i > lo and toks[i].lower == "in" and toks[i + 1].lower.isdigit():
            i -= 1
        if i <= lo or toks[i].lower not in ("who", "which"):
            return None
        j = i - 1 if toks[i - 1].text == "," else i
        found = self.doc.finder.subject_before(j, lo)
        if found is None or found[1] != j:
            return None
        return i, found

    def coordinated(self, k: int, seg: int, lo: int) -> int:
        """'... and said', '..., but added': the conjunction's token index, else -1."""
        toks = self.doc.tokens
        i = k - 1
        while i > seg and toks[i].lower in self.doc.lex.between_words:
            i -= 1
        if i > seg and i > lo and toks[i].lower in ("and", "but"):
            return i
        return -1

    def appositive(self, comma: int, lo: int) -> tuple[int, int] | None:
        """'Mark Johnson, a senior fellow at X, said': the name before the descriptor;
        'The campaign's chairman, Phil Lovas, said': the name in the appositive; 'Donna
        Rawlings, 59, of Ashton, who watched ..., said': the name that opens the sentence."""
        doc = self.doc
        toks = doc.tokens
        opening = self._opening_name(lo, comma)
        if opening is not None:
            return opening
        i = comma - 1
        steps = 0
        while i >= lo and toks[i].text != "," and steps < 16:
            i -= 1
            steps += 1
        if i >= lo and toks[i].text == "," and comma - i > 1:
            name = doc.finder.subject_before(i, lo)
            desc_ok = toks[i + 1].lower not in _CONJUNCTIONS and not any(
                t.lower in NOT_CLAUSE for t in toks[i + 1 : comma]
            )
            if (
                name is not None
                and desc_ok
                and (toks[name[1] - 1].cap or toks[name[1] - 1].text == ")")
            ):
                return name
            desc = toks[i + 1 : comma]
            if len(desc) <= 4 and all(doc.name_token(t) for t in desc):
                return (i + 1, comma)
        return None

    def phrase(self, start: int, k: int) -> tuple[int, int] | None:
        """'Experts on North Korea said', 'elected officials from both parties say': a
        speaker noun or name with a prepositional phrase, the whole phrase as speaker."""
        doc = self.doc
        toks, lex = doc.tokens, doc.lex
        end = k
        while end > start and toks[end - 1].lower in lex.between_words:
            end -= 1
        i = start
        while i < end and toks[i].lower in OPENERS:
            i += 1
        if not 3 <= end - i <= 10:
            return None
        seg = toks[i:end]
        head = next(
            (n for n, t in enumerate(seg[:3]) if t.lower in lex.speaker_nouns or doc.name_token(t)),
            -1,
        )
        if head < 0:
            return None
        while head + 1 < len(seg) and (
            seg[head + 1].lower in lex.speaker_nouns or doc.name_token(seg[head + 1])
        ):
            head += 1
        if head + 1 >= len(seg) or seg[head + 1].lower not in _PHRASE_PREPOSITIONS:
            return None  # the head is followed by its prepositional phrase
        if seg[0].lower in _PHRASE_PREPOSITIONS or seg[0].lower in INTRO:
            return None
        if any(self._breaks_phrase(t) for t in seg):
            return None
        return (i, end)

    def _breaks_phrase(self, t: Token) -> bool:
        lex, low = self.doc.lex, t.lower
        return (
            (not t.text[0].isalnum() and t.text not in ("-", "’s", "'s"))
            or low in NOT_CLAUSE
            or low in ("that", "which", "who", "whom", "whose", "when", "if")
            or low in lex.words.speech_verbs
            or low in lex.words.cognition_verbs
            or (not t.cap and low.endswith("ed"))
        )

    def _opening_name(self, lo: int, comma: int) -> tuple[int, int] | None:
        """The capitalised name that opens the sentence and is followed by ',' or '('."""
        doc = self.doc
        toks, titles = doc.tokens, doc.lex.words.title_set
        if comma - lo > 60:
            return None
        j = lo
        region = doc.layout.region_at(toks[lo].start)
        if region is not None and region.closed:  # '"...," Scott Pruitt, the ..., said'
            j, _ = doc.tok_range(region.end, region.end)
            while j < comma and toks[j].text in (",", "'"):
                j += 1
        while j < comma and (toks[j].text in ('"', "“", "'") or toks[j].lower in OPENERS):
            j += 1
        m = j
        while m < comma and (doc.name_token(toks[m]) or toks[m].lower in titles):
            m += 1
        if m < comma and toks[m].text in _DASHES and all(t.text.isupper() for t in toks[j:m]):
            j = m  # a dateline: 'WASHINGTON -- President Obama, ..., said'
            while j < comma and toks[j].text in _DASHES:
                j += 1
            m = j
            while m < comma and (doc.name_token(toks[m]) or toks[m].lower in titles):
                m += 1
        if m == j or m >= comma or (toks[m].text not in _DASHES and toks[m].text not in ",("):
            return None
        if not any(doc.name_token(t) and t.lower not in titles for t in toks[j:m]):
            return None
        return (j, m)

    def inversion_ends(self, j: int, hi: int) -> bool:
        """'..., said Mr. Obama.' / 'said the source on Friday': an inverted subject is
        followed by the sentence's end, punctuation or an adjunct, not by a clause
        ('said he cannot comment' has the subject before the verb)."""
        if j >= hi:
            return True
        tok = self.doc.tokens[j]
        if tok.text == "(":
            return True  # an affiliation or a description: 'said Rep. Crowley (D-N.Y.)'
        return tok.text in CLOSERS or tok.lower in ADJUNCT_STARTS or tok.lower in WEEKDAYS

    def inversion_closes(self, a: Anchor, j: int, hi: int) -> bool:
        """Stricter than `inversion_ends`, for ', said X' against an appositive: X is
        followed by the sentence's end, a comma or a short adjunct ('in the room'); never
        the object of 'told'."""
        toks = self.doc.tokens
        if j >= hi or toks[j].text in CLOSERS:
            return True
        if a.cue in self.doc.lex.object_verbs:
            return False
        return toks[j].lower in _INVERSION_TAIL

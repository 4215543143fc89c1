"""Attributions: reporting cues, their speakers and the content they introduce.

One pass over the tokens finds the cues (reporting verbs outside quotations, the lexicon's
phrases); each gets a speaker and either quotations next to it (direct speech) or the clause
it introduces (indirect speech). A second pass gives the remaining quotations to the speaker
of the quotation before them: split quotes ('"...," X said. "..."') and quotes that run on
into the next paragraph. See prompts/rules/README.md for the rules in prose.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.phrases import phrase_at
from stancetrack.llm.rules.speakers import Speaker, SpeakerFinder
from stancetrack.llm.rules.text import Layout, Region
from stancetrack.llm.rules.tokens import Token, headline_lines

_TRIM_END = " \t\n,;:.—–-"
_TRIM_START = " \t\n,;:—–-"
_INTRO = frozenset(
    {
        "in",
        "on",
        "at",
        "during",
        "after",
        "before",
        "speaking",
        "asked",
        "earlier",
        "later",
        "last",
        "meanwhile",
        "but",
        "and",
        "separately",
        "also",
        "when",
        "while",
        "since",
        "as",
        "for",
        "with",
        "from",
        "to",
        "by",
        "under",
        "over",
        "yet",
        "still",
        "then",
        "now",
    }
)
_CLOSERS = frozenset({",", ".", ";", ":", ")", "—", "–", "?", "!", '"', "”", "-", "―"})
# Words that start an adjunct after a reporting verb, not a reported clause.
_ADJUNCT_STARTS = frozenset(
    {
        "in",
        "on",
        "at",
        "during",
        "after",
        "before",
        "while",
        "as",
        "when",
        "who",
        "which",
        "according",
        "last",
        "this",
        "earlier",
        "later",
        "to",
        "from",
        "with",
        "of",
        "about",
        "via",
        "through",
        "outside",
        "inside",
        "into",
        "recently",
        "afterward",
        "afterwards",
        "again",
        "also",
        "then",
        "too",
        "repeatedly",
        "over",
        "under",
        "by",
        "for",
        "and",
        "but",
        "because",
        "since",
        "until",
        "if",
        "tonight",
        "yesterday",
        "today",
        "here",
        "there",
        "now",
        "once",
        "quietly",
        "simply",
        "flatly",
        "bluntly",
    }
)
_INVERSION_TAIL = frozenset(
    {"in", "on", "at", "during", "after", "before", "while", "who", "last", "this", "when"}
)
_PHRASE_PREPOSITIONS = frozenset(
    {"on", "in", "of", "from", "for", "at", "across", "around", "with"}
)
# Verbs that report speech only next to a quotation ('she continued: "..."').
_QUOTE_ONLY = frozenset({"continued", "continues", "reads", "read", "chanted", "sang", "sings"})
_INTENTION = 0.7  # strength of an intention cue ('wants to', 'plans to')
_PARTICLES = frozenset({"off", "up", "back", "in", "out", "upon", "into"})
_OBJECT_PRONOUNS = frozenset({"him", "her", "it", "them", "me", "us", "you", "himself"})
_LOOSE_S_FORMS = frozenset({"says", "writes", "reads", "argues", "adds", "insists", "tells"})
_ADDRESSEE_VERBS = ("tol", "tell", "warn", "urg", "ask", "remind", "assur", "inform")
_DASHES = frozenset({"-", "—", "–", "―"})
_CONJUNCTIONS = frozenset({"and", "but", "or", "so", "yet", "while", "because", "although"})
_OPENERS = frozenset({"but", "and", "even", "so", "yet", "also", "meanwhile", "still"})
_CALL = frozenset({"called", "calls", "calling", "call"})
_NOT_CLAUSE = frozenset(
    {
        "was",
        "is",
        "were",
        "are",
        "would",
        "will",
        "had",
        "has",
        "could",
        "should",
        "might",
        "may",
        "must",
        "can",
        "did",
        "does",
        "do",
        "been",
        "be",
    }
)
_WEEKDAYS = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "yesterday",
        "today",
        "tonight",
    }
)


@dataclass(slots=True)
class Attribution:
    """A claim before stance: where its content is, who said it, by which cue."""

    start: int
    end: int
    speaker: Speaker
    cue: str
    direct: bool
    strength: float  # 1.0 speech verb, 0.8 'according to', 0.6 belief verb, 0.5 carried over
    paragraph: int = 0
    carried: bool = False  # speaker carried over from the quotation before


@dataclass(slots=True)
class _Anchor:
    k: int  # cue token index
    cue: str
    strength: float
    speaker: Speaker | None = None
    first: int = 0  # first token of the attribution (speaker or cue)
    last: int = 0  # last token of the attribution
    content: tuple[int, int] | None = None
    regions: list[Region] = field(default_factory=list)
    joined: bool = False  # shares the subject of the verb before ('..., saying', 'and said')


class AttributionFinder:
    def __init__(
        self,
        layout: Layout,
        tokens: list[Token],
        finder: SpeakerFinder,
        lexicon: Lexicon,
        headlines: list[tuple[int, int]] | None = None,
    ) -> None:
        self.layout = layout
        self.text = layout.text
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.finder = finder
        self.lex = lexicon
        self.headlines = headline_lines(layout.text) if headlines is None else headlines

    # ---- helpers ------------------------------------------------------------------------

    def _tok_range(self, start: int, end: int) -> tuple[int, int]:
        return bisect_left(self.starts, start), bisect_left(self.starts, end)

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start] in _TRIM_START:
            start += 1
        while end > start and text[end - 1] in _TRIM_END:
            end -= 1
        if text[start:end].lower().startswith("that "):
            start += 5
        region = self.layout.region_at(start)
        if region is not None and region.start == start and region.end == end:
            start, end = region.inner  # the whole content is one quotation: drop the marks
        return start, end

    def _words(self, start: int, end: int) -> int:
        return len(self.text[start:end].split())

    # ---- cues ---------------------------------------------------------------------------

    def _cues(self) -> list[_Anchor]:
        out: list[_Anchor] = []
        toks, lex = self.tokens, self.lex
        for k, tok in enumerate(toks):
            low = tok.lower
            if low in _CALL and not self._call_ok(k):
                continue
            if low in _QUOTE_ONLY:
                if not self._quote_next(k):
                    continue
                out.append(_Anchor(k, low, 1.0))
                continue
            phrase = phrase_at(toks, k, lex)
            if phrase:  # 'according to' (the source follows: weaker), 'pointed out'
                strength, cue = (0.8 if phrase in lex.source_phrases else 1.0), phrase
            elif low in lex.speech_verbs:
                strength, cue = 1.0, low
            elif low in lex.cognition_verbs:
                strength, cue = 0.6, low
            elif low in lex.intention_verbs:
                if tok.cap or k + 1 >= len(toks) or toks[k + 1].lower != "to":
                    continue
                strength, cue = _INTENTION, low
            else:
                continue
            if (
                tok.cap
                and k > 0
                and not self._sentence_initial(k)
                and not any(s <= tok.start < e for s, e in self.headlines)
            ):
                continue  # 'Says' inside a name; in a title-case headline it is a cue
            if self.layout.region_at(tok.start) is not None:
                continue  # inside a quotation: the quoted person's own words
            out.append(_Anchor(k, cue, strength))
        return out

    def _call_ok(self, k: int) -> bool:
        """'called for', 'called on', or 'called' (X) before a quotation."""
        nxt = self.tokens[k + 1] if k + 1 < len(self.tokens) else None
        if nxt is None:
            return False
        if nxt.lower in ("for", "on"):
            return True
        if self._names_as(k):
            return True
        _, s_end = self.layout.sentence_of(self.tokens[k].start)
        for tok in self.tokens[k + 1 : k + 10]:
            if tok.start >= s_end or tok.text in (".", ";"):
                return False
            if self.layout.region_at(tok.start) is not None:
                return True
        return False

    def _quote_next(self, k: int) -> bool:
        """'she continued: "..."', '"...," she continued.': a quotation right next to it."""
        toks, text = self.tokens, self.text
        if k + 1 < len(toks) and toks[k + 1].text == ":":
            return True
        p = toks[k].end
        while p < len(text) and text[p] in " ,":
            p += 1
        region = self.layout.region_at(p)
        if region is not None and region.start == p:
            return True
        i = k - 1
        while i > 0 and toks[i].lower in self.lex.between_words:
            i -= 1
        if i > 0 and toks[i].lower in self.lex.person_pronouns | self.lex.group_pronouns:
            i -= 1
        return i > 0 and self.layout.region_at(toks[i].start) is not None

    def _names_as(self, k: int) -> bool:
        """'called climate change a hoax', 'called him a master': naming, not phoning."""
        toks = self.tokens
        _, s_end = self.layout.sentence_of(toks[k].start)
        first = toks[k + 1]
        if first.lower in _PARTICLES or not (
            first.cap or first.lower in _OBJECT_PRONOUNS or first.lower in ("the", "his", "her")
        ):
            return False
        for tok in toks[k + 2 : k + 12]:
            if tok.start >= s_end or tok.text in (".", ";", ",") or tok.lower == "to":
                return False
            if tok.lower in ("a", "an"):
                return True
        return False

    def _sentence_initial(self, k: int) -> bool:
        s, _ = self.layout.sentence_of(self.tokens[k].start)
        return self.tokens[k].start == s

    # ---- one cue ------------------------------------------------------------------------

    def _resolve(self, a: _Anchor, previous: _Anchor | None) -> bool:
        toks, lay = self.tokens, self.layout
        tok = toks[a.k]
        s_start, s_end = lay.sentence_of(tok.start)
        lo, hi = self._tok_range(s_start, s_end)
        if a.cue in self.lex.source_phrases:
            return self._according(a, lo, hi, s_start, s_end)
        if self.finder.is_passive(toks, a.k):
            return False
        if a.cue.endswith("ed") and a.k + 1 < hi and toks[a.k + 1].lower == "by":
            return False  # a reduced passive: 'a view echoed by everyone'
        # Segment boundary: the last punctuation mark before the cue within the sentence.
        seg = a.k - 1
        while seg >= lo and not self.finder.is_boundary(toks[seg]):
            seg -= 1
        if seg > lo and toks[seg].text == ")":  # an affiliation '(R-S.C.)' is not a boundary
            opening = seg
            while opening > lo and toks[opening].text != "(" and seg - opening < 8:
                opening -= 1
            if toks[opening].text == "(":
                seg = opening - 1
                while seg >= lo and not self.finder.is_boundary(toks[seg]):
                    seg -= 1
        np_range = self.finder.subject_before(a.k, seg + 1, loose=self._loose_subject(a))
        inverted = False
        gap = [t for t in toks[seg + 1 : a.k] if t.lower not in self.lex.between_words]
        participle = a.cue.endswith("ing")
        if np_range is None and seg >= lo and toks[seg].text == "," and not gap and not participle:
            after = self.finder.subject_after(a.k, hi) if seg + 1 == a.k else None
            if after is not None and self._inversion_closes(a, after[1], hi):
                np_range, inverted = after, True  # '..., said one source in the room.'
            else:
                np_range = self._appositive(seg, lo)
        if not participle and a.strength >= 1.0 and (np_range is None or np_range[0] > seg + 1):
            # 'Economists at the central bank said': the whole phrase, not its last noun.
            np_range = self._phrase_subject(seg + 1, a.k) or np_range
        if np_range is None and not participle:
            who = self._relative(a.k, lo)
            if who is not None:
                a.speaker = self.finder.speaker(*who[1])
                a.first, a.last = who[0], a.k
                return self._content_after(a, s_end, hi)
        if np_range is None:
            if a.strength < 1.0:
                return False
            between = [t for t in toks[seg + 1 : a.k] if t.lower not in self.lex.between_words]
            if (
                a.cue.endswith("ing")
                and previous is not None
                and previous.speaker is not None
                and seg >= lo
                and toks[seg].text == ","
                and lay.sentence_of(toks[previous.k].start)[0] == s_start
            ):
                a.speaker = previous.speaker
                a.first = a.last = a.k
                a.joined = True
                return self._content_after(a, s_end, hi)
            conj = self._coordinated(a.k, seg, lo)
            if conj >= 0:
                # 'Authorities announced X and said Y': the speaker of the first verb.
                if (
                    previous is not None
                    and previous.speaker is not None
                    and (lay.sentence_of(toks[previous.k].start)[0] == s_start)
                ):
                    a.speaker = previous.speaker
                else:
                    subject = self.finder.subject_after(lo - 1, a.k)
                    if subject is None or subject[0] != lo:
                        return False
                    a.speaker = self.finder.speaker(*subject)
                a.first, a.last = conj, a.k
                a.joined = True
                return self._content_after(a, s_end, hi)
            if a.cue.endswith("ing") and seg >= lo and toks[seg].text == ",":
                # 'Rival X had mocked the complaint, saying ...': the sentence's subject.
                subject = self.finder.subject_after(lo - 1, a.k)
                if subject is None or subject[0] != lo:
                    return False
                a.speaker = self.finder.speaker(*subject)
                a.first = a.last = a.k
                a.joined = True
                return self._content_after(a, s_end, hi)
            after = self.finder.subject_after(a.k, hi)
            if (
                after is not None
                and not between
                and not a.cue.endswith("ing")
                and self._inversion_ends(after[1], hi)
            ):
                np_range, inverted = after, True
            else:
                return False
        a.speaker = self.finder.speaker(*np_range)
        if inverted:
            a.first, a.last = a.k, np_range[1] - 1
        else:
            a.first, a.last = np_range[0], a.k
        if a.strength == _INTENTION:  # 'Clinton wants to triple ...': the 'to' clause
            if inverted:
                return False
            start, end = self._trim(toks[a.k + 1].start, s_end)
            a.content = (start, end)
            return self._words(start, end) >= 3
        if a.strength < 1.0:  # belief verbs: only with a following clause
            nxt = toks[a.k + 1].lower if a.k + 1 < hi else "."
            if nxt in (
                "to",
                "by",
                "for",
                "in",
                "on",
                "at",
                "of",
                "with",
                "as",
                "from",
                ",",
                ".",
                "it",
                "so",
                "about",
                "and",
                "or",
                ")",
                "?",
                "!",
                "-",
                "—",
            ):
                return False
        before_start = s_start
        before_end = toks[a.first].start
        if self._ends_with_quote(before_end, s_start):
            return True  # direct quotation before: assigned in the quotation pass
        tail_clause = self._tail_is_clause(a, hi)
        if (
            not inverted
            and before_end == s_start
            and not tail_clause
            and self._ends_with_quote(s_start, lay.paragraphs[lay.paragraph_of(s_start)][0])
        ):
            return True  # '"... ?" Clinton said.': the '?' ended the sentence before the cue
        if inverted:
            after_np = toks[a.last + 1] if a.last + 1 < hi else None
            if (after_np is not None and after_np.text == ":") or self._quote_follows(
                a.last, s_end
            ):
                return True  # 'Said Ellis: "..."': quotation pass
            return self._content_before(a, before_start, before_end)
        after_cue = toks[a.last + 1] if a.last + 1 < hi else None
        if (after_cue is not None and after_cue.text == ":") or self._quote_follows(a.last, s_end):
            return True  # '... said: "..."': quotation pass
        has_before = (
            not tail_clause
            and self._words(before_start, before_end) >= 3
            and self.text[before_start:before_end].rstrip().endswith((",", "—", "–"))
            and (toks[lo].lower not in _INTRO or toks[lo].lower in _OPENERS)
        )
        if has_before and not self._that_follows(a.last, hi):
            return self._content_before(a, before_start, before_end)
        if self.text[before_start:before_end].rstrip().endswith(",") and self._comma_next(a, hi):
            # 'The museum, Mr. Obama said, would make ...': the whole sentence.
            a.content = self._trim(s_start, s_end)
            return self._words(*a.content) >= 4
        if self._content_after(a, s_end, hi):
            return True
        return has_before and self._content_before(a, before_start, before_end)

    def _relative(self, k: int, lo: int) -> tuple[int, tuple[int, int]] | None:
        """'McConnell, who in 2010 said ...': the 'who' index and the name it refers to."""
        toks = self.tokens
        i = k - 1
        while i > lo and (toks[i].lower in self.lex.between_words or toks[i].lower.isdigit()):
            i -= 1
        if i > lo and toks[i].lower == "in" and toks[i + 1].lower.isdigit():
            i -= 1
        if i <= lo or toks[i].lower != "who":
            return None
        j = i - 1 if toks[i - 1].text == "," else i
        found = self.finder.subject_before(j, lo)
        if found is None or found[1] != j:
            return None
        return i, found

    def _loose_subject(self, a: _Anchor) -> bool:
        """May any determined noun be the subject ('the clip says')? Not for belief verbs,
        participles, or -s forms that are nouns as often ('Russia's security demands')."""
        if a.strength < 1.0 or a.cue.endswith("ing"):
            return False
        return not a.cue.endswith("s") or a.cue in _LOOSE_S_FORMS

    def _coordinated(self, k: int, seg: int, lo: int) -> int:
        """'... and said', '..., but added': the conjunction's token index, else -1."""
        toks = self.tokens
        i = k - 1
        while i > seg and toks[i].lower in self.lex.between_words:
            i -= 1
        if i > seg and i > lo and toks[i].lower in ("and", "but"):
            return i
        return -1

    def _appositive(self, comma: int, lo: int) -> tuple[int, int] | None:
        """'Mark Johnson, a senior fellow at X, said': the name before the descriptor;
        'The campaign's chairman, Phil Lovas, said': the name in the appositive; 'Donna
        Rawlings, 59, of Ashton, who watched ..., said': the name that opens the sentence."""
        toks = self.tokens
        opening = self._opening_name(lo, comma)
        if opening is not None:
            return opening
        i = comma - 1
        steps = 0
        while i >= lo and toks[i].text != "," and steps < 16:
            i -= 1
            steps += 1
        if i >= lo and toks[i].text == "," and comma - i > 1:
            name = self.finder.subject_before(i, lo)
            desc_ok = toks[i + 1].lower not in _CONJUNCTIONS and not any(
                t.lower in _NOT_CLAUSE for t in toks[i + 1 : comma]
            )
            if (
                name is not None
                and desc_ok
                and (toks[name[1] - 1].cap or toks[name[1] - 1].text == ")")
            ):
                return name
            desc = toks[i + 1 : comma]
            if len(desc) <= 4 and all(self._name_token(t) for t in desc):
                return (i + 1, comma)
        return None

    def _phrase_subject(self, start: int, k: int) -> tuple[int, int] | None:
        """'Experts on North Korea said', 'elected officials from both parties say': a
        speaker noun or name with a prepositional phrase, the whole phrase as speaker."""
        toks, lex = self.tokens, self.lex
        end = k
        while end > start and toks[end - 1].lower in lex.between_words:
            end -= 1
        i = start
        while i < end and toks[i].lower in _OPENERS:
            i += 1
        if not 3 <= end - i <= 10:
            return None
        seg = toks[i:end]
        head = next(
            (
                n
                for n, t in enumerate(seg[:3])
                if t.lower in lex.speaker_nouns or self._name_token(t)
            ),
            -1,
        )
        if head < 0:
            return None
        while head + 1 < len(seg) and (
            seg[head + 1].lower in lex.speaker_nouns or self._name_token(seg[head + 1])
        ):
            head += 1
        if head + 1 >= len(seg) or seg[head + 1].lower not in _PHRASE_PREPOSITIONS:
            return None  # the head is followed by its prepositional phrase
        if seg[0].lower in _PHRASE_PREPOSITIONS or seg[0].lower in _INTRO:
            return None
        for t in seg:
            low = t.lower
            if (
                (not t.text[0].isalnum() and t.text not in ("-", "’s", "'s"))
                or low in _NOT_CLAUSE
                or low in ("that", "which", "who", "whom", "whose", "when", "if")
                or low in lex.speech_verbs
                or low in lex.cognition_verbs
                or (not t.cap and low.endswith("ed"))
            ):
                return None
        return (i, end)

    def _name_token(self, tok: Token) -> bool:
        return tok.cap and tok.text[0].isalpha() and tok.lower not in self.lex.not_names

    def _opening_name(self, lo: int, comma: int) -> tuple[int, int] | None:
        """The capitalised name that opens the sentence and is followed by ',' or '('."""
        toks = self.tokens
        if comma - lo > 60:
            return None
        j = lo
        region = self.layout.region_at(toks[lo].start)
        if region is not None and region.closed:  # '"...," Scott Pruitt, the ..., said'
            j, _ = self._tok_range(region.end, region.end)
            while j < comma and toks[j].text in (",", "'"):
                j += 1
        while j < comma and (toks[j].text in ('"', "“", "'") or toks[j].lower in _OPENERS):
            j += 1
        m = j
        while m < comma and (self._name_token(toks[m]) or toks[m].lower in self.lex.title_set):
            m += 1
        if m < comma and toks[m].text in _DASHES and all(t.text.isupper() for t in toks[j:m]):
            j = m  # a dateline: 'WASHINGTON -- President Obama, ..., said'
            while j < comma and toks[j].text in _DASHES:
                j += 1
            m = j
            while m < comma and (self._name_token(toks[m]) or toks[m].lower in self.lex.title_set):
                m += 1
        if m == j or m >= comma or (toks[m].text not in _DASHES and toks[m].text not in ",("):
            return None
        if not any(self._name_token(t) and t.lower not in self.lex.title_set for t in toks[j:m]):
            return None
        return (j, m)

    def _ends_with_quote(self, pos: int, floor: int) -> bool:
        text = self.text
        p = pos
        while p > floor and text[p - 1] in " ,\t":
            p -= 1
        region = self.layout.region_at(p - 1) if p > floor else None
        return region is not None and region.closed and region.end == p

    def _quote_follows(self, last: int, s_end: int) -> bool:
        text = self.text
        p = self.tokens[last].end
        while p < s_end and text[p] in " ,:\t":
            p += 1
        region = self.layout.region_at(p)
        if region is None or region.start != p:
            return False
        tail = text[region.end : s_end].strip(' .,;:!?"”’)')
        return not tail

    def _comma_next(self, a: _Anchor, hi: int) -> bool:
        j = self._skip_object(a, a.last + 1, hi)
        return j < hi and self.tokens[j].text == ","

    def _inversion_ends(self, j: int, hi: int) -> bool:
        """'..., said Mr. Obama.' / 'said the source on Friday': an inverted subject is
        followed by the sentence's end, punctuation or an adjunct, not by a clause
        ('said he cannot comment' has the subject before the verb)."""
        if j >= hi:
            return True
        tok = self.tokens[j]
        return tok.text in _CLOSERS or tok.lower in _ADJUNCT_STARTS or tok.lower in _WEEKDAYS

    def _inversion_closes(self, a: _Anchor, j: int, hi: int) -> bool:
        """Stricter than `_inversion_ends`, for ', said X' against an appositive: X is
        followed by the sentence's end, a comma or a short adjunct ('in the room'); never
        the object of 'told'."""
        if j >= hi or self.tokens[j].text in _CLOSERS:
            return True
        if a.cue in self.lex.object_verbs:
            return False
        return self.tokens[j].lower in _INVERSION_TAIL

    def _tail_is_clause(self, a: _Anchor, hi: int) -> bool:
        """Does a clause follow the cue ('experts say it underscores ...')? Then the
        words before the cue are not its content."""
        if a.last + 1 < hi and self.tokens[a.last + 1].text == ",":
            return False  # 'X said, pointing at ...': an adjunct, not the reported clause
        j = self._skip_object(a, a.last + 1, hi)
        if j >= hi:
            return False
        tok = self.tokens[j]
        if tok.lower == "that" or self._that_follows(j - 1, hi):
            return True
        if tok.text in _CLOSERS or tok.lower in _ADJUNCT_STARTS or tok.lower in _WEEKDAYS:
            return False
        if self.layout.region_at(tok.start) is not None:
            return False
        return hi - j >= 3 and tok.text[0].isalnum()

    def _that_follows(self, last: int, hi: int) -> bool:
        for j in range(last + 1, min(last + 7, hi)):
            low = self.tokens[j].lower
            if low == "that":
                return True
            if self.finder.is_boundary(self.tokens[j]) or low == ".":
                return False
        return False

    def _content_before(self, a: _Anchor, start: int, end: int) -> bool:
        # Skip an introductory phrase ending in a comma ("In a statement, ...").
        start, end = self._trim(start, end)
        if self._words(start, end) < 2:
            return False
        a.content = (start, end)
        return True

    def _content_after(self, a: _Anchor, s_end: int, hi: int) -> bool:
        toks = self.tokens
        j = a.last + 1
        that = -1
        for m in range(j, min(j + 7, hi)):
            if toks[m].lower == "that":
                that = m
                break
            if self.finder.is_boundary(toks[m]) or toks[m].text == ".":
                break
        j = that + 1 if that >= 0 else self._skip_object(a, j, hi)
        if j >= hi or (that < 0 and toks[j].lower in _NOT_CLAUSE):
            return False  # 'a message he said was shared': a relative clause, not content
        start, end = self._trim(toks[j].start, s_end)
        if self._words(start, end) < 3:
            return False
        a.content = (start, end)
        return True

    def _skip_object(self, a: _Anchor, j: int, hi: int) -> int:
        toks, text = self.tokens, self.text
        start = j
        if a.cue in self.lex.object_verbs and j < hi:
            rest = text[toks[j].start : toks[j].start + 40].lower()
            for aud in self.lex.audiences:
                if rest.startswith(aud + " ") or rest.startswith(aud + ","):
                    j, _ = self._tok_range(toks[j].start + len(aud), toks[j].start + len(aud))
                    break
            if j == start and a.cue.startswith(_ADDRESSEE_VERBS):
                # a named addressee: 'told The Huffington Post', 'warned Congress'
                m = j + 1 if toks[j].lower == "the" else j
                n = m
                while n < hi and self._name_token(toks[n]):
                    n += 1
                title = self.layout.region_at(toks[n].start) if n > m and n < hi else None
                if title is not None and title.closed and title.end - title.start < 60:
                    n, _ = self._tok_range(title.end, title.end)  # 'told MSNBC's "Morning Joe"'
                if n > m and n < hi:
                    j = n
        # 'said on Tuesday', 'said Tuesday', 'said in a statement,'
        while j < hi and (toks[j].lower in _WEEKDAYS or toks[j].lower in ("on", ",")):
            if toks[j].lower == "on" and (j + 1 >= hi or toks[j + 1].lower not in _WEEKDAYS):
                break
            j += 1
        return j

    def _according(self, a: _Anchor, lo: int, hi: int, s_start: int, s_end: int) -> bool:
        toks = self.tokens
        np_range = self.finder.subject_after(a.k + len(a.cue.split()) - 1, hi)
        if np_range is None:
            return False
        a.speaker = self.finder.speaker(*np_range)
        a.first, a.last = a.k, np_range[1] - 1
        before_start, before_end = s_start, toks[a.k].start
        if self._words(*self._trim(before_start, before_end)) >= 3:
            return self._content_before(a, before_start, before_end)
        # 'According to X, CONTENT.'  Skip to the comma after the speaker.
        j = np_range[1]
        while j < hi and toks[j].text != ",":
            j += 1
        if j >= hi:
            return False
        start, end = self._trim(toks[j].end, s_end)
        if self._words(start, end) < 3:
            return False
        a.content = (start, end)
        return True

    # ---- all ------------------------------------------------------------------------------

    def find(self) -> list[Attribution]:
        anchors: list[_Anchor] = []
        previous: _Anchor | None = None
        for a in self._cues():
            if self._resolve(a, previous):
                anchors.append(a)
                previous = a
        self._split_joined(anchors)
        return self._assign_quotes(anchors) + self._labels()

    def _split_joined(self, anchors: list[_Anchor]) -> None:
        """'X said A, adding B' / 'X said A and warned B' / 'X said A, but he said B': the
        first content ends where the second attribution begins, so both are claims."""
        toks = self.tokens
        for index, a in enumerate(anchors):
            if a.content is None or a.content[0] < toks[a.k].start:
                continue
            for b in anchors[index + 1 :]:
                first = toks[b.first].start
                if first >= a.content[1]:
                    break
                if first <= a.content[0]:
                    continue
                cut = b.first
                if not b.joined:
                    before = toks[b.first - 1] if b.first > 0 else None
                    if before is None or before.lower not in ("and", "but"):
                        continue
                    cut = b.first - 1
                start, end = self._trim(a.content[0], toks[cut].start)
                a.content = (start, end) if self._words(start, end) >= 3 else None
                break

    def _labels(self) -> list[Attribution]:
        """'PENCE: Well, ...' / 'Sanders: Clinton needs ...' at a paragraph's start, and
        '"..." ― Name' sign-offs after a quotation."""
        out = []
        toks, text = self.tokens, self.text
        for index, (p_start, p_end) in enumerate(self.layout.paragraphs):
            i, hi = self._tok_range(p_start, p_end)
            if i < hi and toks[i].text in ('"', "“", "'"):
                i += 1 if toks[i].text != "'" else 2
            j = i
            while j < hi and j - i < 3 and toks[j].cap and toks[j].text[0].isalpha():
                j += 1
            if i < j < hi and toks[j].text == ":" and self._label_name(i, j):
                start, end = self._trim(toks[j].end, p_end)
                start, end = self._trim_quote(start, end)
                if self._words(start, end) >= 3:
                    speaker = self.finder.speaker(i, j)
                    out.append(Attribution(start, end, speaker, ":", False, 0.8, index))
        for region in self.layout.regions:
            if not region.closed:
                continue
            p = region.end
            while p < len(text) and text[p] in " \u00a0":
                p += 1
            if p < len(text) and text[p] in "―—":
                i, _ = self._tok_range(p + 1, p + 1)
                j = i
                while (
                    j < len(toks)
                    and toks[j].cap
                    and toks[j].start - toks[i].start < 40
                    and (toks[j].text[0].isalpha())
                ):
                    j += 1
                if j > i:
                    start, end = self._trim_quote(*region.inner)
                    if self._words(start, end) >= 2:
                        speaker = self.finder.speaker(i, j)
                        out.append(
                            Attribution(start, end, speaker, "―", True, 0.8, region.paragraph)
                        )
        return out

    def _label_name(self, i: int, j: int) -> bool:
        words = self.tokens[i:j]
        if any(t.lower in self.lex.not_names for t in words):
            return False
        if all(t.text.isupper() and len(t.text) > 1 for t in words):
            return True  # transcript speaker label
        name = " ".join(t.text for t in words)
        return self.finder.is_person_name(name)

    def _assign_quotes(self, anchors: list[_Anchor]) -> list[Attribution]:
        lay, text, toks = self.layout, self.text, self.tokens
        owner: dict[int, tuple[Speaker, _Anchor]] = {}
        carried: set[int] = set()
        covered = _Covered([a.content for a in anchors if a.content is not None])
        # Cues right after or right before a quotation own it.
        for a in anchors:
            if a.speaker is None or a.content is not None:
                continue
            first_start = toks[a.first].start
            p = first_start
            while p > 0 and text[p - 1] in " ,\t":
                p -= 1
            before = lay.region_at(p - 1) if p > 0 else None
            if before is not None and before.end == p and before.closed:
                owner.setdefault(before.start, (a.speaker, a))
            p = toks[a.last].end
            while p < len(text) and text[p] in " ,:\t":
                p += 1
            if p < len(text) and text[p] == "\n" and text[p - 1] == ":":
                while p < len(text) and text[p].isspace():  # 'He said:' / next paragraph
                    p += 1
            after = lay.region_at(p)
            if after is not None and after.start == p:
                owner.setdefault(after.start, (a.speaker, a))
        # Remaining quotations: same paragraph after an owned one, or a run-on paragraph.
        last_para_speaker: dict[int, tuple[Speaker, _Anchor, Region]] = {}
        cue_positions = sorted(toks[a.k].start for a in anchors)
        for region in lay.regions:
            if region.start in owner:
                speaker, anchor = owner[region.start]
                last_para_speaker[region.paragraph] = (speaker, anchor, region)
                continue
            if covered.holds(region.start, region.end):
                continue
            prev = last_para_speaker.get(region.paragraph)
            if prev is not None:
                between = bisect_left(cue_positions, region.start) - bisect_left(
                    cue_positions, prev[2].end
                )
                own = prev[2].end <= toks[prev[1].k].start < region.start
                if between - own == 0:
                    owner[region.start] = (prev[0], prev[1])
                    carried.add(region.start)
                    last_para_speaker[region.paragraph] = (prev[0], prev[1], region)
                    continue
            para_start = lay.paragraphs[region.paragraph][0]
            prior = last_para_speaker.get(region.paragraph - 1)
            if region.start == para_start and prior is not None and not prior[2].closed:
                owner[region.start] = (prior[0], prior[1])
                carried.add(region.start)
                last_para_speaker[region.paragraph] = (prior[0], prior[1], region)
        out: list[Attribution] = []
        for a in anchors:
            if a.content is not None and a.speaker is not None:
                around = lay.region_at(a.content[0] - 1)
                quoted = around is not None and around.inner == a.content
                out.append(
                    Attribution(
                        a.content[0],
                        a.content[1],
                        a.speaker,
                        a.cue,
                        quoted,
                        a.strength,
                        lay.paragraph_of(a.content[0]),
                    )
                )
        for region in lay.regions:
            if region.start not in owner:
                continue
            speaker, anchor = owner[region.start]
            start, end = region.inner
            start, end = self._trim_quote(start, end)
            if self._words(start, end) < 2 or end - start < 6:
                continue
            was_carried = region.start in carried
            out.append(
                Attribution(
                    start,
                    end,
                    speaker,
                    anchor.cue,
                    True,
                    anchor.strength * (0.9 if was_carried else 1.0),
                    region.paragraph,
                    was_carried,
                )
            )
        out.sort(key=lambda x: x.start)
        return out

    def _trim_quote(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–"):
            end -= 1
        return start, end


class _Covered:
    """Spans (any overlap allowed) asked whether one of them holds [start, end - 1]: the
    furthest end among those starting at or before `start`, by bisection (a scan of all of
    them per quotation made a one-line article quadratic)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _e in spans]
        self.furthest: list[int] = []
        for _s, e in spans:
            self.furthest.append(max(e, self.furthest[-1]) if self.furthest else e)

    def holds(self, start: int, end: int) -> bool:
        k = bisect_right(self.starts, start)
        return k > 0 and end <= self.furthest[k - 1] + 1

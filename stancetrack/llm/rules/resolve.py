"""The second attribution pass: one cue's speaker, then its content.

The speaker is, in order: a subject in the cue's segment ('X said', 'X, a fellow, said',
', said X.'), a subject the cue shares with the clause before ('..., saying',
'X announced A and said'), or an inverted subject ('said X on Friday'). The content is the
clause after the cue, the words before it, or a quotation left to quotes.py.
"""

from __future__ import annotations

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens, Sentence
from stancetrack.llm.rules.clause_words import INTENTION, INTRO, OPENERS
from stancetrack.llm.rules.contents import Contents
from stancetrack.llm.rules.cue_subjects import CueSubjects

# After a belief verb these show no clause follows ('believes in', 'thinks so').
_NO_CLAUSE_NEXT = frozenset(
    {
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
    }
)

_Subject = tuple[tuple[int, int], bool]  # token range, inverted (after the cue)


class CueResolver:
    """Resolves cues in text order; `resolve` fills the anchor and says whether it holds."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc
        self.subjects = CueSubjects(doc)
        self.contents = Contents(doc)

    def resolve(self, a: Anchor, previous: Anchor | None) -> bool:
        doc = self.doc
        sent = doc.sentence(doc.tokens[a.k].start)
        if a.cue in doc.lex.words.source_phrases:
            return self.contents.according(a, sent)
        if self._passive(a, sent.hi):
            return False
        seg = self.subjects.segment_start(a.k, sent.lo)
        subject = self._subject_before(a, seg, sent)
        if subject is None:
            led = self._shared_subject(a, previous, seg, sent)
            if led is not None:
                return led and self.contents.after(a, sent.end, sent.hi)
            subject = self._inverted(a, seg, sent)
            if subject is None:
                return False
        (i, j), inverted = subject
        a.speaker = doc.finder.speaker(i, j)
        if inverted:
            a.first, a.last = a.k, j - 1
        else:  # a phrase cue ends at its last word ('made the following comment')
            a.first, a.last = i, a.k + len(a.cue.split()) - 1
        return self._content(a, sent, inverted)

    # ---- speaker ------------------------------------------------------------------------

    def _passive(self, a: Anchor, hi: int) -> bool:
        toks = self.doc.tokens
        if self.doc.finder.is_passive(toks, a.k):
            return True
        # a reduced passive: 'a view echoed by everyone'
        return a.cue.endswith("ed") and a.k + 1 < hi and toks[a.k + 1].lower == "by"

    def _gap(self, a: Anchor, seg: int) -> bool:
        """Words other than adverbs between the segment's start and the cue?"""
        between = self.doc.lex.between_words
        return any(t.lower not in between for t in self.doc.tokens[seg + 1 : a.k])

    def _subject_before(self, a: Anchor, seg: int, sent: Sentence) -> _Subject | None:
        """The subject in the cue's own segment: before it, an appositive's name, a whole
        phrase, or ', said X' right after a comma."""
        doc, subjects = self.doc, self.subjects
        toks, lo, hi = doc.tokens, sent.lo, sent.hi
        span = doc.finder.subject_before(a.k, seg + 1, loose=subjects.loose(a))
        inverted = False
        participle = a.participle
        after_comma = seg >= lo and toks[seg].text == ","
        if span is None and after_comma and not participle and not self._gap(a, seg):
            after = doc.finder.subject_after(a.k, hi) if seg + 1 == a.k else None
            if after is not None and subjects.inversion_closes(a, after[1], hi):
                span, inverted = after, True  # '..., said one source in the room.'
            else:
                span = subjects.appositive(seg, lo)
        if not participle and a.strength >= 1.0 and (span is None or span[0] > seg + 1):
            # 'Economists at the central bank said': the whole phrase, not its last noun.
            span = subjects.phrase(seg + 1, a.k) or span
        return None if span is None else (span, inverted)

    def _shared_subject(
        self, a: Anchor, previous: Anchor | None, seg: int, sent: Sentence
    ) -> bool | None:
        """A speaker from outside the segment, with the content after the cue: 'X, who
        said', '..., saying', 'X announced A and said'. True when the anchor's speaker is
        set, False when the shape fails, None when no such shape applies."""
        doc, subjects = self.doc, self.subjects
        toks, finder, lo = doc.tokens, doc.finder, sent.lo
        participle = a.participle
        if not participle:
            who = subjects.relative(a.k, lo)
            if who is not None:
                a.speaker = finder.speaker(*who[1])
                a.first, a.last = who[0], a.k
                return True
        if a.strength < 1.0:
            return False
        after_comma = seg >= lo and toks[seg].text == ","
        same_sentence = (
            previous is not None
            and previous.speaker is not None
            and doc.layout.sentence_of(toks[previous.k].start)[0] == sent.start
        )
        if participle and after_comma and same_sentence:
            assert previous is not None and previous.speaker is not None
            a.speaker = previous.speaker
            a.first = a.last = a.k
            a.joined = True
            return True
        conj = subjects.coordinated(a.k, seg, lo)
        if conj >= 0:
            # 'Authorities announced X and said Y': the speaker of the first verb.
            if same_sentence:
                assert previous is not None and previous.speaker is not None
                a.speaker = previous.speaker
            else:
                subject = self._sentence_subject(a.k, lo)
                if subject is None:
                    return False
                a.speaker = finder.speaker(*subject)
            a.first, a.last = conj, a.k
            a.joined = True
            return True
        if participle and after_comma:
            # 'Rival X had mocked the complaint, saying ...': the sentence's subject.
            subject = self._sentence_subject(a.k, lo)
            if subject is None:
                return False
            a.speaker = finder.speaker(*subject)
            a.first = a.last = a.k
            a.joined = True
            return True
        return None

    def _sentence_subject(self, k: int, lo: int) -> tuple[int, int] | None:
        """The subject that opens the sentence, after an introductory phrase and its comma
        ('Meanwhile, it attacked Trump, saying ...')."""
        toks, finder = self.doc.tokens, self.doc.finder
        start = lo
        if toks[lo].lower in INTRO or toks[lo].lower in OPENERS:
            comma = next((i for i in range(lo + 1, min(lo + 8, k)) if toks[i].text == ","), -1)
            if comma >= 0:
                start = comma + 1
        subject = finder.subject_after(start - 1, k)
        if subject is None or subject[0] not in (lo, start):
            return None
        return subject

    def _inverted(self, a: Anchor, seg: int, sent: Sentence) -> _Subject | None:
        """'... said Mr. Obama.': a subject after the cue that ends its clause."""
        if self._gap(a, seg) or a.participle:
            return None
        after = self.doc.finder.subject_after(a.k, sent.hi)
        if after is None or not self.subjects.inversion_ends(after[1], sent.hi):
            return None
        return after, True

    # ---- content ------------------------------------------------------------------------

    def _content(self, a: Anchor, sent: Sentence, inverted: bool) -> bool:
        doc, contents = self.doc, self.contents
        toks, lay, hi = doc.tokens, doc.layout, sent.hi
        if a.strength == INTENTION:  # 'Clinton wants to triple ...': the 'to' clause
            if inverted:
                return False
            start, end = doc.trim(toks[a.k + 1].start, sent.end)
            a.content = (start, end)
            return doc.words(start, end) >= 3
        if a.strength < 1.0:  # belief verbs: only with a following clause
            nxt = toks[a.k + 1].lower if a.k + 1 < hi else "."
            if nxt in _NO_CLAUSE_NEXT:
                return False
        before_start, before_end = sent.start, toks[a.first].start
        if doc.ends_with_quote(before_end, sent.start):
            return True  # direct quotation before: assigned in the quotation pass
        tail_clause = contents.tail_is_clause(a, hi)
        if (
            not inverted
            and before_end == sent.start
            and not tail_clause
            and doc.ends_with_quote(sent.start, lay.paragraphs[lay.paragraph_of(sent.start)][0])
        ):
            return True  # '"... ?" Clinton said.': the '?' ended the sentence before the cue
        after_cue = toks[a.last + 1] if a.last + 1 < hi else None
        quotation_next = (after_cue is not None and after_cue.text == ":") or doc.quote_follows(
            a.last, sent.end
        )
        if inverted:
            if quotation_next:
                return True  # 'Said Ellis: "..."': quotation pass
            return contents.before(a, before_start, before_end)
        if quotation_next:
            contents.block_after(a)  # 'Limbaugh added:' and a paragraph without marks
            return True  # '... said: "..."': quotation pass
        before_text = doc.text[before_start:before_end].rstrip()
        has_before = (
            not tail_clause
            and doc.words(before_start, before_end) >= 3
            and before_text.endswith((",", "—", "–"))
            and (toks[sent.lo].lower not in INTRO or toks[sent.lo].lower in OPENERS)
        )
        if has_before and not contents.that_follows(a.last, hi):
            return contents.before(a, before_start, before_end)
        if before_text.endswith(",") and contents.comma_next(a, hi):
            # 'The museum, Mr. Obama said, would make ...': the whole sentence.
            a.content = doc.trim(sent.start, sent.end)
            return doc.words(*a.content) >= 4
        if contents.after(a, sent.end, hi):
            return True
        return has_before and contents.before(a, before_start, before_end)

"""What a reporting cue introduces: the clause after it ('said that ...'), the words before
it ('..., she said'), or the sentence around an 'according to' source; and where two
contents that share a sentence part ('X said A, adding B')."""

from __future__ import annotations

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens, Sentence
from stancetrack.llm.rules.clause_words import ADJUNCT_STARTS, CLOSERS, NOT_CLAUSE, WEEKDAYS

_ADDRESSEE_VERBS = ("tol", "tell", "warn", "urg", "ask", "remind", "assur", "inform")


class Contents:
    """Content spans for resolved cues, on one article's tokens."""

    def __init__(self, doc: ArticleTokens) -> None:
        self.doc = doc

    def before(self, a: Anchor, start: int, end: int) -> bool:
        """The words before the cue, trimmed; at least two of them."""
        start, end = self.doc.trim(start, end)
        if self.doc.words(start, end) < 2:
            return False
        a.content = (start, end)
        return True

    def after(self, a: Anchor, s_end: int, hi: int) -> bool:
        """The clause after the cue (after 'that' or the verb's object); at least 3 words."""
        doc = self.doc
        toks = doc.tokens
        j = a.last + 1
        that = -1
        for m in range(j, min(j + 7, hi)):
            if toks[m].lower == "that":
                if m + 1 < hi and toks[m + 1].text[0].isalnum():
                    that = m  # not 'said the test could change that.'
                break
            if (
                doc.finder.is_boundary(toks[m])
                or toks[m].text == "."
                or toks[m].lower in NOT_CLAUSE
            ):
                break  # a verb of the reported clause: its 'that' is no complementizer
        j = that + 1 if that >= 0 else self.skip_object(a, j, hi)
        if j >= hi or (that < 0 and toks[j].lower in NOT_CLAUSE):
            return False  # 'a message he said was shared': a relative clause, not content
        start, end = doc.trim(toks[j].start, s_end)
        if doc.words(start, end) < 3:
            return False
        a.content = (start, end)
        return True

    def skip_object(self, a: Anchor, j: int, hi: int) -> int:
        """The first token after the verb's audience, addressee and time adjuncts."""
        doc = self.doc
        toks, text = doc.tokens, doc.text
        start = j
        if a.cue in doc.lex.object_verbs and j < hi:
            rest = text[toks[j].start : toks[j].start + 40].lower()
            for aud in doc.lex.audiences:
                if rest.startswith(aud + " ") or rest.startswith(aud + ","):
                    j, _ = doc.tok_range(toks[j].start + len(aud), toks[j].start + len(aud))
                    break
            if j == start and a.cue.startswith(_ADDRESSEE_VERBS):
                # a named addressee: 'told The Huffington Post', 'warned Congress'
                m = j + 1 if toks[j].lower == "the" else j
                n = m
                while n < hi and doc.name_token(toks[n]):
                    n += 1
                title = doc.layout.region_at(toks[n].start) if n > m and n < hi else None
                if title is not None and title.closed and title.end - title.start < 60:
                    n, _ = doc.tok_range(title.end, title.end)  # 'told MSNBC's "Morning Joe"'
                if n > m and n < hi:
                    j = n
        # 'said on Tuesday', 'said Tuesday', 'said in a statement,'
        while j < hi and (toks[j].lower in WEEKDAYS or toks[j].lower in ("on", ",")):
            if toks[j].lower == "on" and (j + 1 >= hi or toks[j + 1].lower not in WEEKDAYS):
                break
            j += 1
        return j

    def comma_next(self, a: Anchor, hi: int) -> bool:
        j = self.skip_object(a, a.last + 1, hi)
        return j < hi and self.doc.tokens[j].text == ","

    def tail_is_clause(self, a: Anchor, hi: int) -> bool:
        """Does a clause follow the cue ('experts say it underscores ...')? Then the
        words before the cue are not its content."""
        doc = self.doc
        if a.last + 1 < hi and doc.tokens[a.last + 1].text == ",":
            return False  # 'X said, pointing at ...': an adjunct, not the reported clause
        j = self.skip_object(a, a.last + 1, hi)
        if j >= hi:
            return False
        tok = doc.tokens[j]
        if tok.lower == "that" or self.that_follows(j - 1, hi):
            return True
        if tok.lower == "there" and j + 1 < hi and doc.tokens[j + 1].lower in NOT_CLAUSE:
            return True  # 'argues there is little point': an existential clause
        if tok.text in CLOSERS or tok.lower in ADJUNCT_STARTS or tok.lower in WEEKDAYS:
            return False
        if doc.layout.region_at(tok.start) is not None:
            return False
        return hi - j >= 3 and tok.text[0].isalnum()

    def that_follows(self, last: int, hi: int) -> bool:
        for j in range(last + 1, min(last + 7, hi)):
            tok = self.doc.tokens[j]
            if tok.lower == "that":
                return True
            if self.doc.finder.is_boundary(tok) or tok.lower == ".":
                return False
        return False

    def according(self, a: Anchor, sent: Sentence) -> bool:
        """'CONTENT, according to X.' or 'According to X, CONTENT.'"""
        doc = self.doc
        toks = doc.tokens
        np_range = doc.finder.subject_after(a.k + len(a.cue.split()) - 1, sent.hi)
        if np_range is None:
            np_range = self._described_source(a.k + len(a.cue.split()), sent.hi)
        if np_range is None:
            return False
        a.speaker = doc.finder.speaker(*np_range)
        a.first, a.last = a.k, np_range[1] - 1
        before_start, before_end = sent.start, toks[a.k].start
        if doc.words(*doc.trim(before_start, before_end)) >= 3:
            return self.before(a, before_start, before_end)
        j = np_range[1]  # skip to the comma after the speaker
        while j < sent.hi and toks[j].text != ",":
            j += 1
        if j >= sent.hi:
            return False
        start, end = doc.trim(toks[j].end, sent.end)
        if doc.words(start, end) < 3:
            return False
        a.content = (start, end)
        return True

    def block_after(self, a: Anchor) -> bool:
        """'Limbaugh added:' closing a paragraph, then a paragraph without quotation marks:
        the quoted block (a transcript, a statement) is the content."""
        doc = self.doc
        toks, text, lay = doc.tokens, doc.text, doc.layout
        colon = a.last + 1
        if colon >= len(toks) or toks[colon].text != ":":
            return False
        index = lay.paragraph_of(toks[colon].start)
        if (
            index + 1 >= len(lay.paragraphs)
            or text[toks[colon].end : lay.paragraphs[index][1]].strip()
        ):
            return False
        start, end = lay.paragraphs[index + 1]
        if lay.region_at(start) is not None or text[start] in "\"“'‘":
            return False  # a quotation: the quotation pass owns it
        start, end = doc.trim(start, end)
        if doc.words(start, end) < 4:
            return False
        a.content = (start, end)
        return True

    def _described_source(self, j: int, hi: int) -> tuple[int, int] | None:
        """'According to conservative talk radio host Rush Limbaugh, ...': a description
        ending in a name, up to the comma (the speaker is the name)."""
        toks = self.doc.tokens
        end = j
        while end < hi and end - j < 10 and toks[end].text != ",":
            if not toks[end].text[0].isalnum():
                return None
            end += 1
        if end == j or end >= hi or toks[end].text != ",":
            return None
        if not (self.doc.name_token(toks[end - 1]) and self.doc.name_token(toks[end - 2])):
            return None  # a first and last name at least
        return j, end

    def split_joined(self, anchors: list[Anchor]) -> None:
        """'X said A, adding B' / 'X said A and warned B' / 'X said A, but he said B': the
        first content ends where the second attribution begins, so both are claims."""
        doc = self.doc
        toks = doc.tokens
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
                start, end = doc.trim(a.content[0], toks[cut].start)
                a.content = (start, end) if doc.words(start, end) >= 3 else None
                break

"""Positions taken without a clause: "Cruz endorsed Trump's campaign", "Trump attacked the
hateful ideology of ...", "Republicans have long opposed the deal".

News reports a stance as often by a verb of position with an object as by a reporting verb
with a clause ("said that ..."); the attribution pass (attribution.py) only takes the
latter. This pass runs after it, on sentences it left without a claim: a named subject (a
name, a titled or determined noun phrase, a pronoun) right before a verb of
`position_verbs` (prompts/rules/lexicon.yaml) gives a claim whose content is the rest of the
clause (after the preposition of "railed against"), up to the sentence's end or the next
quotation. It is strict on the subject (no loose noun, no pronoun but he/she bound to a
person) and on the verb (the listed forms only, not passive), so it adds reported positions
without adding claims to sentences that merely narrate.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from stancetrack.llm.rules.anchors import ArticleTokens, Attribution
from stancetrack.llm.rules.clause_words import ASPECT_ADVERBS, BE_FORMS
from stancetrack.llm.rules.cue_subjects import CueSubjects
from stancetrack.llm.rules.speakers import Speaker, SpeakerFinder
from stancetrack.llm.rules.tokens import Token
from stancetrack.schemas import ActorType

_STRENGTH = 0.7  # a position, not words said: below a speech verb, like an intention
_TRIM = " \t\n,;:.—–-\"“”'‘’"
# After the verb these start no object: a clause or intention ('to', 'that': the
# attribution pass's), a particle ('backed off'), a passive agent or a noun's complement
# ('advocates such as', 'ridiculed for').
_NO_OBJECT = frozenset({"to", "that", "by", "for", "off", "up", "out", "away", "down", "such"}) | {
    *("like", "as", "of", "in", "on", "at", "with", "from", "and", "or", ",", ".", ";")
}
# A subject after a relative pronoun is the relative clause's ("Graham, who opposed X, ..."):
# its referent is not the subject. A subordinate clause is kept: "after Donald Trump attacked
# Machado", "now that Cruz has endorsed Trump" report a position as much as a main clause.
_RELATIVES = frozenset({"who", "which", "whom"})
_INSIDE_VERB = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "out"}
)
_MIN_WORDS = 3  # 'hailed the deal' is an event more often than a position


class PositionFinder:
    """Claims carried by verbs of position, in sentences without another claim."""

    def __init__(self, doc: ArticleTokens, subjects: CueSubjects | None = None) -> None:
        self.subjects = subjects  # appositive subjects ('X, a senator, endorsed ...')
        self.layout = doc.layout
        self.tokens = doc.tokens
        self.finder = doc.finder
        self.lex = doc.lex
        self.starts = doc.starts
        self.quotes = [r.start for r in doc.layout.regions]
        # Listed verbs by first word, longest first: one dict lookup per token.
        self.verbs: dict[str, list[list[str]]] = {}
        for verb in doc.lex.position_verbs:
            self.verbs.setdefault(verb.split()[0], []).append(verb.split())

    def find(self, taken: list[Attribution]) -> list[Attribution]:
        covered = [(a.start, a.end) for a in taken] + [
            (a.speaker.start, a.speaker.end) for a in taken
        ]
        contents = sorted((a.start, a.end) for a in taken)
        out: list[Attribution] = []
        for s_start, s_end in self.layout.sentences:
            found = self._in_sentence(s_start, s_end)
            if found is None:
                continue
            if not any(s < found.end and found.speaker.start < e for s, e in covered):
                out.append(found)
                continue
            found = self._before_next(found, contents)
            if found is not None and not any(
                s < found.end and found.start < e for s, e in contents
            ):
                out.append(found)
        return out

    def _before_next(
        self, found: Attribution, contents: list[tuple[int, int]]
    ) -> Attribution | None:
        """'Mr. Trump has attacked loopholes that benefit others, and has called for ...':
        a position sharing its subject with a reported claim later in the sentence ends at
        the clause boundary before that claim."""
        text = self.layout.text
        later = [s for s, _ in contents if found.start < s < found.end]
        if not later:
            return None
        head = text[found.start : min(later)]
        cut = max(head.rfind(","), head.rfind(";"), head.rfind(" and "), head.rfind(" but "))
        if cut <= 0:
            return None
        end = found.start + cut
        while end > found.start and text[end - 1] in _TRIM:
            end -= 1
        if len(text[found.start : end].split()) < _MIN_WORDS:
            return None
        return Attribution(found.start, end, found.speaker, found.cue, False, found.strength)

    def _in_sentence(self, s_start: int, s_end: int) -> Attribution | None:
        toks = self.tokens
        lo, hi = bisect_left(self.starts, s_start), bisect_left(self.starts, s_end)
        for k in range(lo + 1, hi - 1):
            tok = toks[k]
            verb = self._verb_at(k, hi)
            if not verb or tok.cap:
                continue
            if self.layout.region_at(tok.start) is not None:
                continue  # inside a quotation
            if SpeakerFinder.is_passive(toks, k):
                continue
            if verb.split()[0].endswith("ing") and not self._progressive(k, lo):
                continue  # '..., defending the deal': a participle, not the position
            subject = self.finder.subject_before(k, lo, loose=False)
            if subject is None and self.subjects is not None:
                subject = self._appositive(k, lo)
            if subject is None or any(t.lower in _RELATIVES for t in toks[lo : subject[0]]):
                continue
            speaker = self.finder.speaker(*subject)
            if speaker.pronoun and not self._person_pronoun(speaker):
                continue  # without a cue, only he/she bound to a person's name is sure enough
            content = self._content(k + len(verb.split()), hi, s_end)
            if content is None:
                return None
            return Attribution(content[0], content[1], speaker, verb, False, _STRENGTH)
        return None

    def _person_pronoun(self, speaker: Speaker) -> bool:
        """'he'/'she' resolved to a person's name: pronoun resolution binds them only to
        names the article uses as people (person_names.py)."""
        written = speaker.text.lower()
        return (
            written in ("he", "she")
            and speaker.actor_type == ActorType.PERSON
            and speaker.actor.lower() != written
        )

    def _appositive(self, k: int, lo: int) -> tuple[int, int] | None:
        """'Other unions, including the AFT, have also endorsed Clinton': the name before
        the appositive that ends in a comma right before the verb."""
        assert self.subjects is not None
        i = k - 1
        while i > lo and self.tokens[i].lower in self.lex.between_words:
            i -= 1
        if i <= lo or self.tokens[i].text != ",":
            return None
        return self.subjects.appositive(i, lo)

    def _progressive(self, k: int, lo: int) -> bool:
        """'is defending', 'are also slamming': a form of 'be' right before the -ing verb."""
        i = k - 1
        while i > lo and self.tokens[i].lower in ASPECT_ADVERBS:
            i -= 1
        return i >= lo and self.tokens[i].lower in BE_FORMS

    def _verb_at(self, k: int, hi: int) -> str:
        """The longest listed verb (or verb + preposition) starting at token k, '' if none."""
        toks = self.tokens
        listed = self.verbs.get(toks[k].lower)
        if listed is None:
            return ""  # no listed verb starts with this word (most tokens)
        for words in listed:  # longest first
            if k + len(words) <= hi and all(toks[k + i].lower == w for i, w in enumerate(words)):
                return " ".join(words)
        # 'spoke emotionally of', 'called Friday for': an adverb or a day inside the verb.
        gap = k + 1
        while gap < hi and gap - k <= 2 and self._inserted(toks[gap]):
            gap += 1
        if gap == k + 1:
            return ""
        for words in listed:
            rest = words[1:]
            if (
                rest
                and gap + len(rest) <= hi
                and all(toks[gap + i].lower == w for i, w in enumerate(rest))
            ):
                return " ".join(t.lower for t in toks[k : gap + len(rest)])
        return ""

    def _inserted(self, tok: Token) -> bool:
        """An adverb or a time word that may stand inside a phrasal verb."""
        low = tok.lower
        return (not tok.cap and low.endswith("ly") and len(low) > 4) or (
            low in self.lex.between_words or low in _INSIDE_VERB
        )

    def _content(self, j: int, hi: int, s_end: int) -> tuple[int, int] | None:
        """The rest of the clause after the verb: to the sentence's end, stopping before a
        quotation (the quotation pass owns it)."""
        toks, text = self.tokens, self.layout.text
        if j >= hi or toks[j].lower in _NO_OBJECT:
            return None
        start, end = toks[j].start, s_end
        following = bisect_right(self.quotes, start)
        if following < len(self.quotes):
            end = min(end, self.quotes[following])  # the first quotation after the object
        end = min([end] + [text.find(";", start, end)] * (";" in text[start:end]))
        while start < end and text[start] in _TRIM:
            start += 1
        while end > start and text[end - 1] in _TRIM:
            end -= 1
        if len(text[start:end].split()) < _MIN_WORDS:
            return None
        return start, end

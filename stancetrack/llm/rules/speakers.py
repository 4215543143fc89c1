"""Who is speaking: the noun phrase at a reporting cue, its canonical actor and type.

A speaker is read from the tokens around the cue: the subject before it ("Putin said",
"a senior U.S. official warned"), the inverted subject after it ("said Mr. Obama"), or an
appositive ("Mark Johnson, a fellow at X, said"). Its canonical actor is the longest full
form of the name seen in the article ("Putin" -> "Vladimir Putin"), titles stripped; a
pronoun is resolved to the most recent fitting name before it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.person_names import common_noun_names
from stancetrack.llm.rules.tokens import (
    Mention,
    Token,
    classify,
    female_of,
    split_title,
    strip_possessive,
)
from stancetrack.schemas import ActorType

DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "another",
        "two",
        "three",
        "four",
        "several",
        "some",
        "many",
        "most",
        "other",
        "both",
        "one",
        "his",
        "her",
        "their",
        "its",
        "our",
        "these",
        "those",
        "this",
        "few",
        "various",
        "numerous",
        "multiple",
    }
)
ADJECTIVES = frozenset(
    {
        "senior",
        "top",
        "former",
        "longtime",
        "chief",
        "key",
        "close",
        "prominent",
        "anonymous",
        "unnamed",
        "independent",
        "conservative",
        "liberal",
        "veteran",
        "leading",
        "outside",
        "local",
        "federal",
        "state",
        "national",
        "foreign",
        "military",
        "intelligence",
        "white",
        "campaign",
        "election",
        "political",
        "legal",
        "health",
        "security",
        "defense",
        "defence",
        "administration",
        "government",
        "party",
        "public",
        "private",
        "new",
        "recent",
        "latest",
        "internal",
        "official",
        "deputy",
        "communications",
        "press",
        "policy",
        "economic",
        "other",
        "current",
        "democratic",
        "republican",
        "presidential",
        "progressive",
        "medical",
        "high-ranking",
        "ranking",
        "retired",
        "career",
        "western",
        "european",
        "russian",
        "american",
        "u.s.",
        "same",
        "second",
        "third",
        "first",
    }
)
_FUNCTION = frozenset(
    {
        "and",
        "or",
        "but",
        "that",
        "which",
        "who",
        "whom",
        "is",
        "was",
        "are",
        "were",
        "has",
        "have",
        "had",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "as",
        "by",
        "from",
        "it",
        "this",
        "not",
        "be",
        "been",
        "will",
        "would",
        "also",
        "then",
        "so",
        "if",
        "when",
        "while",
        "because",
        "after",
        "before",
        "since",
        "though",
        "although",
        "where",
        "what",
        "how",
        "why",
        "than",
        "about",
        "into",
        "over",
        "under",
        "did",
        "does",
        "do",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "said",
        "says",
        "told",
        "there",
        "here",
    }
)
_OBJECT_PREPS = frozenset({"with", "to", "against", "on", "about", "for", "called", "met"})
# A possessive names its owner as the subject pronoun would ("his claim" -> "he").
POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "their": "they", "its": "it"}
_BE = frozenset({"is", "was", "were", "are", "been", "being", "be", "'s"})
_PUNCT_BOUNDARY = frozenset(
    {",", ";", ":", "(", ")", "—", "–", '"', "“", "”", "-", "[", "]", "'", "‘", "’", "―"}
)


@dataclass(frozen=True, slots=True)
class Speaker:
    start: int
    end: int
    text: str  # as written in the article
    actor: str  # canonical
    actor_type: ActorType
    pronoun: bool = False


def _is_name_word(tok: Token, lexicon: Lexicon) -> bool:
    return tok.cap and tok.text[0].isalpha() and tok.lower not in lexicon.words.not_names


def _np_word(tok: Token, lexicon: Lexicon) -> bool:
    low = tok.lower
    return (
        _is_name_word(tok, lexicon)
        or low.isdigit()
        or low in lexicon.speaker_nouns
        or low in ADJECTIVES
        or low in lexicon.words.title_set
        or low in ("of", "for", "and", "&", "at")
        or (tok.cap and low in lexicon.words.title_set)
    )


def _head_ok(tok: Token, lexicon: Lexicon) -> bool:
    low = tok.lower
    if low.endswith(("'s", "’s", "'", "’")):
        return False
    if low in lexicon.words.person_pronouns or low in lexicon.words.group_pronouns:
        return True
    if low in lexicon.words.thing_pronouns:
        return True
    if _is_name_word(tok, lexicon):
        return True
    return low in lexicon.speaker_nouns


class SpeakerFinder:
    """Finds and resolves speakers in one article."""

    def __init__(
        self, text: str, tokens: list[Token], mentions: list[Mention], lexicon: Lexicon
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.lexicon = lexicon
        self.mentions = mentions
        self._mention_starts = [m.start for m in mentions]
        self._counts = Counter(m.name for m in mentions)
        self._canonical_of: dict[tuple[str, bool | None, bool], str] = {}
        # A person is usually named again by surname alone; a place ("New York") is not.
        singles = {m.name for m in mentions if " " not in m.name}
        self._persons = {
            m.name
            for m in mentions
            if m.kind == "person" and (m.title or m.female or m.name.split()[-1] in singles)
        } | {m.name for m in mentions if m.kind == "unknown" and m.title}
        # 'the National Mall', 'a former Miss Universe': never a he/she's referent.
        self._things = common_noun_names(text, mentions, ADJECTIVES, _FUNCTION)
        self._persons -= self._things

    # ---- finding the noun phrase -------------------------------------------------------

    def subject_before(self, k: int, lo: int, *, loose: bool = True) -> tuple[int, int] | None:
        """Token range [i, j) of the subject of the cue at token k, scanning back to lo."""
        toks, lex = self.tokens, self.lexicon
        i = k - 1
        while i >= lo and (
            toks[i].lower in lex.between_words
            or (toks[i].lower.endswith("ly") and not toks[i].cap and len(toks[i].lower) > 3)
        ):
            i -= 1
        if i < lo:
            return None
        if toks[i].text == ")":  # 'Rep. Trey Gowdy (R-S.C.) said': skip the affiliation
            opening = i - 1
            while opening >= lo and toks[opening].text != "(" and i - opening < 8:
                opening -= 1
            if opening > lo and toks[opening].text == "(":
                found = self.subject_before(opening, lo)
                return (found[0], i + 1) if found is not None else None
            return None
        head = toks[i]
        if not _head_ok(head, lex):
            return self._determined_noun(i, lo) if loose else None
        if (
            head.lower
            in lex.words.person_pronouns | lex.words.group_pronouns | lex.words.thing_pronouns
        ):
            return (i, i + 1)
        j = i
        while j - 1 >= lo:
            tok = toks[j - 1]
            if tok.lower in DETERMINERS:
                j -= 1
                break
            if tok.lower in ("of", "and", "&", "for", "at"):
                # Only inside names: "Secretary of State", "Trump and Pence".
                if j - 2 >= lo and _is_name_word(toks[j - 2], lex) and toks[j].cap:
                    j -= 1
                    continue
                break
            if _np_word(tok, lex) or (tok.cap and tok.text[:1].isalpha()):
                if tok.cap and tok.lower in lex.words.not_names and tok.lower not in DETERMINERS:
                    break
                j -= 1
                continue
            if tok.text.endswith(("'s", "’s")) and tok.cap:
                j -= 1
                continue
            break
        # 'African-Americans, top black lawmakers said': a few modifiers after a comma.
        if (
            lo < j <= lo + 3
            and all(
                not t.cap and t.text[0].isalpha() and t.lower not in _FUNCTION for t in toks[lo:j]
            )
            and toks[j].lower not in lex.words.person_pronouns
        ):
            j = lo
        return (j, i + 1)

    def _determined_noun(self, i: int, lo: int) -> tuple[int, int] | None:
        """'the New York businessman', "Obama's former campaign strategist", 'one slide':
        a common noun not in the speaker list is a subject when a determiner or a
        possessive opens its phrase within a few words."""
        toks = self.tokens
        head = toks[i]
        low = head.lower
        if (
            head.cap
            or not low.isalpha()
            or low in _FUNCTION
            or low in DETERMINERS
            or low.endswith(("ly", "ing", "ed"))
        ):
            return None
        j = i
        while j - 1 >= lo and i - j < 5:
            tok = toks[j - 1]
            if tok.lower in DETERMINERS:
                return (j - 1, i + 1)
            if tok.text.endswith(("'s", "’s")) and tok.cap:
                k = j - 1
                while k - 1 >= lo and _is_name_word(toks[k - 1], self.lexicon):
                    k -= 1
                return (k, i + 1)
            if tok.lower in _FUNCTION or not tok.text[0].isalpha():
                return None
            j -= 1
        return None

    def subject_after(self, k: int, hi: int) -> tuple[int, int] | None:
        """Inverted subject after the cue: 'said Mr. Obama', 'said the source'."""
        toks, lex = self.tokens, self.lexicon
        i = k + 1
        if i >= hi or toks[i].lower in ("of", "and", "&", "for", "at"):
            return None
        if toks[i].lower in lex.words.person_pronouns | lex.words.group_pronouns:
            return (i, i + 1)
        j = i
        if toks[j].lower in DETERMINERS:
            j += 1
        last_ok = -1
        while j < hi:
            tok = toks[j]
            if tok.lower in ("of", "and", "&", "for") and last_ok == j - 1:
                j += 1
                continue
            if _np_word(tok, lex) or tok.text.endswith(("'s", "’s")):
                if _head_ok(tok, lex):
                    last_ok = j
                j += 1
                continue
            if (  # 'the statistics office': an unlisted modifier before a known head
                last_ok < 0
                and tok.text[0].isalpha()
                and not tok.cap
                and tok.lower not in _FUNCTION
                and j + 1 < hi
                and (toks[j + 1].lower in lex.speaker_nouns or toks[j + 1].cap)
                and j - i < 3
            ):
                j += 1
                continue
            break
        if last_ok < 0:
            return None
        return (i, last_ok + 1)

    # ---- resolving -----------------------------------------------------------------------

    def speaker(self, i: int, j: int) -> Speaker:
        return self._speaker_of(self.tokens[i:j])

    def label_speaker(self, i: int, j: int) -> Speaker:
        """A transcript label ('PENCE:', 'Sanders:'): a person, named in capitals or not;
        the article's full name for it when it has one ('PENCE' -> 'Mike Pence')."""
        toks = self.tokens[i:j]
        if not all(t.text.isupper() for t in toks):
            return self._speaker_of(toks)
        start, end = toks[0].start, toks[-1].end
        name = " ".join(t.text.capitalize() for t in toks)
        female = female_of(name, "", self.lexicon)
        actor = self._canonical(name, female=female, person=True)
        return Speaker(start, end, self.text[start:end], actor, ActorType.PERSON)

    def possessor(self, i: int, j: int) -> Speaker:
        """The speaker a possessive names: 'his' (as 'he'), "Trump's" (as 'Trump')."""
        toks = self.tokens[i:j]
        last = toks[-1]
        as_subject = POSSESSIVE_PRONOUNS.get(last.lower)
        if as_subject is not None and len(toks) == 1:
            pronoun = Token(last.start, last.text)
            pronoun.lower = as_subject
            return self._pronoun(pronoun, last.start, last.end, last.text)
        if last.text.endswith(("'s", "’s")):
            toks = [*toks[:-1], Token(last.start, last.text[:-2])]
        return self._speaker_of(toks)

    def _speaker_of(self, toks: list[Token]) -> Speaker:
        start, end = toks[0].start, toks[-1].end
        written = self.text[start:end]
        lex = self.lexicon
        if len(toks) == 1 and toks[0].lower in (
            lex.words.person_pronouns | lex.words.group_pronouns | lex.words.thing_pronouns
        ):
            return self._pronoun(toks[0], start, end, written)
        # The name: the trailing run of capitalised words (a descriptor has none).
        run: list[Token] = []
        for tok in reversed(toks):
            capital = tok.cap and tok.text[0].isalpha()
            if (capital and not tok.text.endswith(("'s", "’s"))) or (
                run and tok.lower in ("of", "and", "&", "for")
            ):
                run.insert(0, tok)
            else:
                break
        while run and (
            run[0].lower in ("of", "and", "&", "for") or run[0].lower in lex.words.not_names
        ):
            run.pop(0)
        if len(run) == 1 and run[0].lower in lex.speaker_nouns:
            run = []  # 'Analysts said': a capitalised common noun, not a name
        if not run:
            return Speaker(start, end, written, self._descriptor(toks), self._noun_type(toks))
        words = [t.text for t in run]
        if "and" in [w.lower() for w in words] and len(words) >= 3:
            return Speaker(start, end, written, " ".join(words), ActorType.GROUP)
        title, name = split_title(words, lex)
        titled = bool(title) or any(
            t.lower in lex.words.title_set for t in toks[: len(toks) - len(run)]
        )
        kind = classify(name or words, lex, titled=False)
        if kind not in ("organization", "government") and not title:
            kind = classify(words, lex, titled=False)
        if kind in ("organization", "government"):
            org = " ".join(words)
            canonical = self._canonical(org, female=None, person=False)
            return Speaker(start, end, written, canonical, ActorType(kind))
        name_text = " ".join(name) if name else " ".join(words)
        title_text = " ".join(t.text for t in toks[: len(toks) - len(name)])
        female = female_of(name_text, title_text, lex)
        canonical = self._canonical(name_text, female=female, person=True)
        ctype = classify(canonical.split(), lex, titled=titled)
        if ctype == "unknown" and (titled or len(canonical.split()) >= 2):
            ctype = "person"
        if ctype == "person":
            self._persons.add(canonical)  # a named speaker is a person for later pronouns
        return Speaker(start, end, written, canonical, ActorType(ctype))

    def _descriptor(self, toks: list[Token]) -> str:
        words = [t.text for t in toks]
        while words and words[0].lower() in DETERMINERS:
            words.pop(0)
        return " ".join(words) if words else " ".join(t.text for t in toks)

    def _noun_type(self, toks: list[Token]) -> ActorType:
        head = toks[-1].lower
        if head in self.lexicon.words.group_words:
            return ActorType.GROUP
        if head in self.lexicon.government_words:
            return ActorType.GOVERNMENT
        if head in self.lexicon.organization_words:
            return ActorType.ORGANIZATION
        if head in self.lexicon.speaker_nouns and head.endswith("s") and not head.endswith("ss"):
            return ActorType.GROUP
        if head in self.lexicon.speaker_nouns:
            return (
                ActorType.PERSON
                if head not in ("report", "poll", "statement")
                else (ActorType.UNKNOWN)
            )
        return ActorType.UNKNOWN

    def _canonical(self, name: str, *, female: bool | None, person: bool) -> str:
        """The longest, most frequent full form in the article that contains this name.

        Remembered per (name, female, person): it reads only the article's fixed name
        counts, and scanning them for every claim made a long article quadratic."""
        key = (name, female, person)
        known = self._canonical_of.get(key)
        if known is None:
            known = self._canonical_of[key] = self._find_canonical(name, female, person)
        return known

    def _find_canonical(self, name: str, female: bool | None, person: bool) -> str:
        parts = [strip_possessive(p) for p in name.split()]
        if not parts:
            return name
        last = parts[-1]
        best = " ".join(parts)
        best_key: tuple[int, int, int] = (0, 0, 0)
        for cand, count in self._counts.items():
            cparts = cand.split()
            if cparts[-1] != last or len(cparts) < len(parts):
                continue
            if not all(p in cparts for p in parts):
                continue
            fit = 1
            if person and female is not None:
                cand_female = female_of(cand, "", self.lexicon)
                if cand_female is not None and cand_female != female:
                    continue
            key = (fit, count if len(cparts) > 1 else 0, len(cparts))
            if len(cparts) > len(parts) and key > best_key:
                best, best_key = cand, key
        return best

    def _pronoun(self, tok: Token, start: int, end: int, written: str) -> Speaker:
        lex = self.lexicon
        low = tok.lower
        index = bisect_left(self._mention_starts, start) - 1
        # Binding: 'He said he would call Putin' - a person named later in the pronoun's own
        # sentence is not its referent.
        clause = self.text[end : end + 200].split(",")[0].split(". ")[0].split()
        objects = {b for a, b in pairwise(clause) if a in _OBJECT_PREPS}
        while index >= 0:
            m = self.mentions[index]
            index -= 1
            if m.name.split()[-1] in objects:
                continue
            if low in lex.words.person_pronouns:
                if m.name in self._things or (
                    m.name not in self._persons and not self._is_person_alias(m.name)
                ):
                    continue
                female = m.female
                if female is None:
                    female = female_of(self._canonical(m.name, female=None, person=True), "", lex)
                if low == "she" and female is False:
                    continue
                if low == "he" and female is True:
                    continue
                actor = self._canonical(m.name, female=female, person=True)
                return Speaker(start, end, written, actor, ActorType.PERSON, pronoun=True)
            if m.kind in ("organization", "government"):
                actor = self._canonical(m.name, female=None, person=False)
                return Speaker(start, end, written, actor, ActorType(m.kind), pronoun=True)
        kind = ActorType.PERSON if low in lex.words.person_pronouns else ActorType.GROUP
        return Speaker(start, end, written, written, kind, pronoun=True)

    def is_person_name(self, name: str) -> bool:
        return name in self._persons or self._is_person_alias(name)

    def _is_person_alias(self, name: str) -> bool:
        """'Putin' alone is a person when a fuller person name ends with it."""
        if " " in name:
            return False
        return any(p.endswith(" " + name) for p in self._persons)

    @staticmethod
    def is_passive(tokens: list[Token], k: int) -> bool:
        verb = tokens[k].lower
        return k > 0 and tokens[k - 1].lower in _BE and not verb.endswith("ing")

    @staticmethod
    def is_boundary(tok: Token) -> bool:
        return tok.text in _PUNCT_BOUNDARY

"""The first attribution pass: reporting cues (verbs outside quotations, lexicon phrases).

A cue is only where it is; its speaker and content are found by resolve.py.
"""

from __future__ import annotations

from stancetrack.llm.rules.anchors import Anchor, ArticleTokens
from stancetrack.llm.rules.clause_words import ASPECT_ADVERBS, BE_FORMS, INTENTION
from stancetrack.llm.rules.phrases import phrase_at, phrase_index
from stancetrack.llm.rules.speakers import DETERMINERS

# Verbs that report speech only next to a quotation ('she continued: "..."').
_QUOTE_ONLY = frozenset({"continued", "continues", "reads", "read", "chanted", "sang", "sings"})
_PARTICLES = frozenset({"off", "up", "back", "in", "out", "upon", "into"})
_NOUN_OPENERS = DETERMINERS | {"this"}  # '"...," the letter reads'
_CALL = frozenset({"called", "calls", "calling", "call"})


def find_cues(doc: ArticleTokens) -> list[Anchor]:
    """Every reporting cue of the article, in text order, with its strength."""
    out: list[Anchor] = []
    toks, lex = doc.tokens, doc.lex
    # Read once, not per token: the word sets and the phrases by first word.
    words = lex.words
    speech, cognition, intention = words.speech_verbs, words.cognition_verbs, words.intention_verbs
    phrases = phrase_index(lex)
    for k, tok in enumerate(toks):
        low = tok.lower
        if low in _CALL and not _call_ok(doc, k):
            continue
        if low in _QUOTE_ONLY:
            if not _quote_next(doc, k):
                continue
            out.append(Anchor(k, low, 1.0))
            continue
        phrase = phrase_at(toks, k, phrases)
        if phrase:  # 'according to' (the source follows: weaker), 'pointed out'
            strength, cue = (0.8 if phrase in words.source_phrases else 1.0), phrase
        elif low in speech:
            strength, cue = 1.0, low
        elif low in cognition:
            strength, cue = 0.6, low
        elif low in intention:
            if tok.cap or k + 1 >= len(toks) or toks[k + 1].lower != "to":
                continue
            strength, cue = INTENTION, low
        else:
            continue
        if (
            tok.cap
            and k > 0
            and not doc.sentence_initial(k)
            and not any(s <= tok.start < e for s, e in doc.headlines)
        ):
            continue  # 'Says' inside a name; in a title-case headline it is a cue
        if doc.layout.region_at(tok.start) is not None:
            continue  # inside a quotation: the quoted person's own words
        out.append(Anchor(k, cue, strength, participle=_participle(doc, k, cue)))
    return out


def _participle(doc: ArticleTokens, k: int, cue: str) -> bool:
    """'..., saying' is a participle; 'is confirming', 'are also saying' are finite."""
    if not cue.endswith("ing"):
        return False
    i = k - 1
    while i >= 0 and doc.tokens[i].lower in ASPECT_ADVERBS:
        i -= 1
    return i < 0 or doc.tokens[i].lower not in BE_FORMS


def _call_ok(doc: ArticleTokens, k: int) -> bool:
    """'called for', 'called on', or 'called' (X) before a quotation."""
    nxt = doc.tokens[k + 1] if k + 1 < len(doc.tokens) else None
    if nxt is None:
        return False
    if nxt.lower in ("for", "on"):
        return True
    if _names_as(doc, k):
        return True
    _, s_end = doc.layout.sentence_of(doc.tokens[k].start)
    for tok in doc.tokens[k + 1 : k + 10]:
        if tok.start >= s_end or tok.text in (".", ";"):
            return False
        if doc.layout.region_at(tok.start) is not None:
            return True
    return False


def _quote_next(doc: ArticleTokens, k: int) -> bool:
    """'she continued: "..."', '"...," she continued.': a quotation right next to it."""
    toks, text = doc.tokens, doc.text
    if k + 1 < len(toks) and toks[k + 1].text == ":":
        return True
    p = toks[k].end
    while p < len(text) and text[p] in " ,":
        p += 1
    region = doc.layout.region_at(p)
    if region is not None and region.start == p:
        return True
    i = k - 1
    while i > 0 and toks[i].lower in doc.lex.between_words:
        i -= 1
    if i > 0 and toks[i].lower in doc.lex.words.person_pronouns | doc.lex.words.group_pronouns:
        i -= 1
    elif i > 1 and toks[i - 1].lower in _NOUN_OPENERS:
        i -= 2  # '"...," the letter reads.'
    return i > 0 and doc.layout.region_at(toks[i].start) is not None


def _names_as(doc: ArticleTokens, k: int) -> bool:
    """'called climate change a hoax', 'called him a master': naming, not phoning."""
    toks = doc.tokens
    _, s_end = doc.layout.sentence_of(toks[k].start)
    first = toks[k + 1]
    if first.lower in _PARTICLES or not (first.text[0].isalpha() and first.lower != "to"):
        return False
    for tok in toks[k + 2 : k + 12]:
        if tok.start >= s_end or tok.text in (".", ";", ",") or tok.lower == "to":
            return False
        if tok.lower in ("a", "an"):
            return True
    return False

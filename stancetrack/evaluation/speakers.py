"""Is a predicted speaker the gold one? Name comparison after alias normalisation.

Two names agree when, folded (case, accents, punctuation) and stripped of titles and
leading determiners (`stancetrack.actors.name_key`), they are equal or end in the same
word of at least three letters ("Putin" ~ "Vladimir Putin", "The Post" ~ "New York
Post", "the source" ~ "a source"). A gold source with an appositive ("Mark Johnson, a
fellow at X") is also compared by its part before the first comma.

First-person gold sources (I, we) are the writer: a prediction is correct when its
speaker is also first person. Other gold pronoun sources (he, she, they, ...) are resolved
on the gold side to the nearest preceding non-pronoun gold source in the same document;
the prediction is correct when its actor (or speaker) agrees with that referent. With no
such referent, a prediction is correct only if its speaker is the same pronoun.

A relative pronoun source (who, whom, which: 'McConnell, who in 2010 said ...') refers to
the word just before it in the text; the prediction is correct when its actor (or speaker)
agrees with that word.
"""

from __future__ import annotations

from stancetrack.actors import fold, is_pronoun, name_key
from stancetrack.evaluation.model import GoldClaim, GoldDocument, PredictedClaim

_FIRST_PERSON = frozenset({"i", "me", "we", "us", "my", "our"})
_RELATIVE = frozenset({"who", "whom", "which"})
_DETERMINERS = ("a ", "an ", "another ", "the ", "two ", "some ", "several ")


def _key(name: str) -> str:
    key = name_key(name)
    changed = True
    while changed:
        changed = False
        for det in _DETERMINERS:
            if key.startswith(det):
                key, changed = key[len(det) :], True
    return key


def names_agree(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    forms_b = {b}
    if "," in b:
        forms_b.add(b.split(",")[0])
    ka = _key(a)
    for form in forms_b:
        kb = _key(form)
        if not ka or not kb:
            continue
        if ka == kb:
            return True
        la, lb = ka.split()[-1], kb.split()[-1]
        if la == lb and len(la) >= 3 and not is_pronoun(la):
            return True
    return False


def gold_referent(doc: GoldDocument, claim: GoldClaim) -> str | None:
    """The nearest preceding non-pronoun gold source before a pronoun source."""
    if claim.source_span is None:
        return None
    best: tuple[int, str] | None = None
    for other in doc.claims:
        if other.source is None or other.source_span is None or is_pronoun(other.source):
            continue
        if other.source_span[0] < claim.source_span[0] and (
            best is None or other.source_span[0] > best[0]
        ):
            best = (other.source_span[0], other.source)
    return best[1] if best else None


def relative_antecedent(text: str, claim: GoldClaim) -> str | None:
    """The word a relative pronoun source refers to: the word just before it in the text
    ('McConnell, who said' -> 'McConnell'), a possessive ending dropped."""
    if claim.source_span is None:
        return None
    before = text[max(0, claim.source_span[0] - 80) : claim.source_span[0]].rstrip(" ,\t")
    words = before.split()
    if not words:
        return None
    word = words[-1].strip("\"“”'’()")
    for suffix in ("'s", "’s"):
        word = word.removesuffix(suffix)
    return word or None


def speaker_correct(doc: GoldDocument, claim: GoldClaim, pred: PredictedClaim) -> bool:
    if claim.actor:  # project gold: canonical actor known
        return names_agree(pred.actor, claim.actor) or names_agree(pred.speaker, claim.actor)
    source = claim.source or ""
    if fold(source) in _FIRST_PERSON:
        return fold(pred.speaker) in _FIRST_PERSON  # the writer: not resolved on either side
    if fold(source) in _RELATIVE:
        antecedent = relative_antecedent(doc.text, claim)
        return antecedent is not None and (
            names_agree(pred.actor, antecedent) or names_agree(pred.speaker, antecedent)
        )
    if is_pronoun(source):
        referent = gold_referent(doc, claim)
        if referent is None:
            return fold(pred.speaker) == fold(source)
        return names_agree(pred.actor, referent) or names_agree(pred.speaker, referent)
    return names_agree(pred.actor, source) or names_agree(pred.speaker, source)

"""Stance toward the target: a small evaluator of the stance grammar (stance_rules.py).

The rules themselves are data (the `rules` section of prompts/targets/<name>.yaml, and the
language file); this module only composes them, in order:

1. Off the target: a claim that names an off-target topic (`sanctions`, `grain`) and no
   target term is `unrelated`; so is a claim with no target term in it or its paragraph,
   unless the article is about the target (`topic_mentions` of the target's own
   `topic_terms`; then the cues decide, else `neutral`). In an article about another
   subject (`other_topics`: "nato" for EU enlargement), a term the target shares with it
   ("membership") needs a topic term of the target in the claim or its paragraph.
2. Each cue (a phrase with a side and a weight) and each predicate (`support`, `block`, `a
   mistake`) scores for its side; a predicate scores in full when an object of the target
   (`membership`, `the door`) is within `object_window` words, else scaled by
   `bare_predicate_scale`.
3. A negation or negative modal in the same clause, within `negation_window` words before
   ("will not support", "cannot expect Turkey to open", "no country gets to veto"), flips
   the side; inside a rhetorical question ("Why would we rush to welcome ...?") the side
   turns as the target file's `rhetorical_question` says; a reporting verb that rejects its
   clause ("rejected the idea that Moscow could veto ...") flips it again.
4. A neutral cue at least as strong as the best polar one gives `neutral`; otherwise the
   side whose best score beats the other's by `margin` wins. A condition ("as long as",
   "if") keeps the stance at `condition_scale` of the confidence. The rationale names what
   decided it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.schemas import Stance

_WORD = re.compile(r"[\w']+|n't|[,;:—–()]")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_OPPOSITE = {Stance.SUPPORT: Stance.OPPOSE, Stance.OPPOSE: Stance.SUPPORT}


@dataclass(frozen=True, slots=True)
class StanceReading:
    stance: Stance
    confidence: float
    rationale: str


@dataclass(frozen=True, slots=True)
class _Hit:
    side: Stance
    weight: float
    text: str
    kind: str  # "cue" | "predicate"
    start: int
    target_object: str = ""
    negation: str = ""
    question: bool = False

    def describe(self) -> str:
        out = f'{self.kind} "{self.text}"'
        if self.target_object:
            out += f' on "{self.target_object}"'
        if self.negation:
            out += f', negated by "{self.negation}"'
        if self.question:
            out += ", in a rhetorical question"
        return out


def _mentions_at_least(article: str, terms: re.Pattern[str] | None, wanted: int) -> bool:
    if terms is None:
        return False
    found = terms.finditer(article.lower())
    return any(count >= wanted for count, _ in enumerate(found, start=1))


def article_on_target(article: str, lexicon: Lexicon) -> bool:
    """Is the article about the target (at least `topic_mentions` of its own distinctive
    `topic_terms`: "nato", not "membership", which an article about the EU shares)? False
    when the target file lists no topic terms."""
    grammar = lexicon.grammar
    return _mentions_at_least(article, grammar.topic, grammar.topic_mentions)


def article_elsewhere(article: str, lexicon: Lexicon) -> bool:
    """Is the article about another subject (`other_topics`: "nato" for EU enlargement)
    and not about the target?"""
    grammar = lexicon.grammar
    return _mentions_at_least(
        article, grammar.other_topics, grammar.topic_mentions
    ) and not article_on_target(article, lexicon)


class Paragraph:
    """A claim's paragraph, lowered and searched once for all its claims: per claim, a
    one-line article of megabytes was lowered and scanned once per claim (quadratic)."""

    __slots__ = ("_found", "_lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._found: dict[re.Pattern[str], re.Match[str] | None] = {}

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match of `pattern` in the lowered paragraph (cached per pattern)."""
        if pattern not in self._found:
            self._found[pattern] = pattern.search(self.lower)
        return self._found[pattern]


def _target_mention(low: str, context: Paragraph, lexicon: Lexicon, elsewhere: bool) -> str:
    """The target term the claim (or else its paragraph) names, '' if none. In an article
    about another subject, a term the target shares with it ("membership", "join") counts
    only next to a topic term of the target ("EU membership" in a NATO article)."""
    found = lexicon.target.search(low) or context.search(lexicon.target)
    if found is None:
        return ""
    topic = lexicon.grammar.topic
    if not elsewhere or (topic is not None and (topic.search(low) or context.search(topic))):
        return found.group(0)
    return ""


def read_stance(
    content: str,
    context: str | Paragraph,
    lexicon: Lexicon,
    *,
    on_topic: bool = False,
    elsewhere: bool = False,
    rejected_by: str = "",
) -> StanceReading:
    """Stance of one claim: `content` is the quote, `context` its paragraph; `on_topic`
    says the article is about the target, `elsewhere` that it is about another subject
    (article_elsewhere); `rejected_by` names a reporting verb that rejects the content
    ("dismissed")."""
    low = content.lower()
    grammar = lexicon.grammar
    in_claim = lexicon.target.search(low)
    off = grammar.off_topics.search(low) if grammar.off_topics else None
    if in_claim is None and off is not None:
        return StanceReading(
            Stance.UNRELATED,
            lexicon.unrelated_confidence,
            f'About "{off.group(0)}", not the target: unrelated.',
        )
    hits = [h for h in _hits(low, lexicon) if not _in_antecedent(low, h.start, lexicon)]
    polar = [h for h in hits if h.side is not Stance.NEUTRAL]
    paragraph = context if isinstance(context, Paragraph) else Paragraph(context)
    found = _target_mention(low, paragraph, lexicon, elsewhere)
    if found:
        where = f"Mentions the target ({found})"
    elif on_topic:
        where = "In an article about the target"
    else:
        return StanceReading(
            Stance.UNRELATED, lexicon.unrelated_confidence, lexicon.unrelated_rationale
        )
    if rejected_by:
        polar = [
            _Hit(_OPPOSITE[h.side], h.weight, h.text, h.kind, h.start, h.target_object, h.negation)
            for h in polar
        ]
    best: dict[Stance, _Hit] = {}
    for hit in polar + [h for h in hits if h.side is Stance.NEUTRAL]:
        if hit.weight > (best[hit.side].weight if hit.side in best else 0.0):
            best[hit.side] = hit
    sup = best[Stance.SUPPORT].weight if Stance.SUPPORT in best else 0.0
    opp = best[Stance.OPPOSE].weight if Stance.OPPOSE in best else 0.0
    neutral = best.get(Stance.NEUTRAL)
    if neutral is not None and neutral.weight >= max(sup, opp):
        return StanceReading(
            Stance.NEUTRAL,
            lexicon.neutral_confidence,
            f"{where} and takes no side ({neutral.describe()}).",
        )
    if abs(sup - opp) < lexicon.margin:
        return StanceReading(
            Stance.NEUTRAL,
            lexicon.neutral_confidence,
            f"{where} without a clear support or oppose cue.",
        )
    won = Stance.SUPPORT if sup > opp else Stance.OPPOSE
    hit = best[won]
    confidence = min(0.95, hit.weight * lexicon.polar_scale)
    how = hit.describe()
    if rejected_by:
        how += f', in a clause the speaker rejects ("{rejected_by}")'
    condition = grammar.conditions.search(low) if grammar.conditions else None
    if condition is not None:
        confidence *= grammar.condition_scale
        how += f', conditional ("{condition.group(0)}")'
    return StanceReading(won, round(confidence, 2), f"{where}: {won.value} by the {how}.")


def _hits(low: str, lexicon: Lexicon) -> list[_Hit]:
    grammar = lexicon.grammar
    out: list[_Hit] = []
    for match in lexicon.cue_pattern.finditer(low):
        cue = next((c for c in lexicon.cues if c.pattern.match(low, match.start())), None)
        if cue is None:
            continue
        out.append(
            _polarise(
                low, match, cue.side, cue.weight, cue.text, "cue", "", cue.self_negated, lexicon
            )
        )
    if grammar.predicate_pattern is not None:
        for match in grammar.predicate_pattern.finditer(low):
            s = match.start()
            pred = next((p for p in grammar.predicates if p.pattern.match(low, s)), None)
            if pred is None or _nominal(low, s, pred.text, grammar.nominal_determiners):
                continue
            obj = _object_near(low, match.start(), match.end(), lexicon)
            weight = pred.weight if obj else pred.weight * grammar.bare_scale
            out.append(
                _polarise(
                    low, match, pred.side, weight, pred.text, "predicate", obj, False, lexicon
                )
            )
    return out


def _polarise(
    low: str,
    match: re.Match[str],
    side: Stance,
    weight: float,
    text: str,
    kind: str,
    target_object: str,
    self_negated: bool,
    lexicon: Lexicon,
) -> _Hit:
    """A cue's side after negation (same clause, within the window) and question."""
    negation = ""
    if side is not Stance.NEUTRAL and not self_negated:
        negation = _negation(low, match.start(), text, lexicon)
        if negation:
            side = _OPPOSITE[side]
            weight -= lexicon.negated_penalty
    question = side is not Stance.NEUTRAL and _rhetorical(low, match.start(), lexicon)
    if question:
        side = lexicon.grammar.question_turns.get(side, side)
    return _Hit(
        side, weight, match.group(0), kind, match.start(), target_object, negation, question
    )


def _nominal(low: str, start: int, text: str, determiners: frozenset[str]) -> bool:
    """Is a one-word predicate a noun after a determiner ("any delay is a political
    choice", "the veto"): the action named, not taken?"""
    before = low[max(0, start - 12) : start].split()
    return " " not in text and bool(before) and before[-1] in determiners


def _object_near(low: str, start: int, end: int, lexicon: Lexicon) -> str:
    """An object of the target within the window after the predicate (or before it, for an
    evaluation: "joining would be a mistake"), in the same sentence."""
    objects = lexicon.grammar.objects
    if objects is None:
        return ""
    window = lexicon.grammar.object_window
    after = re.split(r"[.!?;]", low[end:], maxsplit=1)[0]
    words = list(re.finditer(r"\S+", after))
    limit = words[window - 1].end() if len(words) >= window else len(after)
    found = objects.search(after[:limit])
    if found is not None:
        return found.group(0)
    before = re.split(r"[.!?;]", low[:start])[-1]
    words = list(re.finditer(r"\S+", before))
    begin = words[-window].start() if len(words) >= window else 0
    last = [m.group(0) for m in objects.finditer(before[begin:])]
    return last[-1] if last else ""


def _negation(low: str, start: int, cue: str, lexicon: Lexicon) -> str:
    """The negation before the cue in its clause, within the window ('' if none);
    'never'/'no' before a comparative ('never had a stronger message') intensifies it."""
    comparative = cue.endswith("er") or cue.startswith("more ")
    before = _WORD.findall(low[max(0, start - 80) : start])
    scope: list[str] = []
    for word in reversed(before):
        if word in ",;:—–()" or word in lexicon.grammar.clause_breaks:
            break
        scope.append(word)
        if len(scope) >= lexicon.negation_window:
            break
    for word in scope:
        if comparative and word in lexicon.comparative_intensifiers:
            continue
        if word in lexicon.negations or word.endswith("n't"):
            return word
    return ""


def _in_antecedent(low: str, start: int, lexicon: Lexicon) -> bool:
    """Is the position inside a condition (hypothetical, not the speaker's position): the
    'if ...,' that opens a clause ("If we admit Ukraine while the war is going on, every
    ally ...") or a condition that follows its clause ("settled once the fighting had
    stopped")?"""
    conditions = lexicon.grammar.conditions
    if conditions is None:
        return False
    clause = re.split(r"[,;:.!?]", low[:start])[-1]
    return conditions.search(clause) is not None


def _rhetorical(low: str, start: int, lexicon: Lexicon) -> bool:
    """Is the cue inside a question that opens like a rhetorical one ('why would we')?"""
    for sentence in _SENTENCE.finditer(low):
        if sentence.start() <= start < sentence.end():
            body = sentence.group(0).strip(" \"'“”‘’")
            if not body.endswith("?"):
                return False
            return body.startswith(lexicon.grammar.question_openers)
    return False

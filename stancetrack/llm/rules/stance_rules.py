"""The stance grammar of the rules extractor: data a linguist edits, read into patterns.

Issue 19: a word list cannot tell "will not support Sweden joining NATO" from "supports
Sweden joining NATO". The grammar composes polarity from parts, each a list in YAML:

- per target (`prompts/targets/<name>.yaml`, `rules.composition`): predicates by side
  (`support`, `block`, `a mistake`) with weights, the objects that make them bear on the
  target (`membership`, `the door`), how a rhetorical question turns each side, the
  topics that are off the target (`sanctions`, `grain`);
- per language (`prompts/rules/lexicon.yaml`, section `stance_grammar`): question openers
  that make a question rhetorical, condition markers, clause breaks that stop a negation,
  reporting verbs that reject their clause ("rejected the idea that ...").

`stance.py` is the small evaluator of these rules; nothing here is specific to a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stancetrack.errors import ConfigError
from stancetrack.stances import Stance


@dataclass(frozen=True, slots=True)
class Predicate:
    """A verb or evaluation with a side: scored in full next to an object of the target."""

    text: str
    pattern: re.Pattern[str]
    side: Stance
    weight: float


@dataclass(frozen=True, slots=True)
class StanceGrammar:
    predicates: tuple[Predicate, ...]  # longest first
    predicate_pattern: re.Pattern[str] | None
    objects: re.Pattern[str] | None
    object_window: int  # words between a predicate and its object
    bare_scale: float  # a predicate with no object nearby counts this much
    question_turns: dict[Stance, Stance]  # side of a cue inside a rhetorical question
    off_topics: re.Pattern[str] | None  # a claim about these (and not the target) is unrelated
    topic: re.Pattern[str] | None  # the target's own distinctive terms ('nato', 'eu')
    other_topics: re.Pattern[str] | None  # subjects sharing its terms ('nato' for the EU)
    topic_mentions: int  # topic terms that make an article about the target
    condition_scale: float  # confidence factor of a conditional stance
    question_openers: tuple[str, ...]  # language: 'why would', 'should we'
    conditions: re.Pattern[str] | None  # language: 'as long as', 'if', 'unless'
    clause_breaks: frozenset[str]  # language: words that end a negation's scope
    rejecting_verbs: frozenset[str]  # language: 'rejected', 'dismissed' flip their clause
    nominal_determiners: frozenset[str]  # language: 'the delay' names a predicate, no stance


def _table(data: Any, where: str) -> dict[str, float]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"rules lexicon: {where} must map phrase -> weight")
    out = {}
    for text, weight in data.items():
        if not isinstance(weight, int | float) or not 0 < float(weight) <= 1:
            raise ConfigError(f"rules lexicon: weight of {text!r} in {where} must be in (0, 1]")
        out[str(text).strip().lower()] = float(weight)
    return out


def _list(data: Any, where: str) -> list[str]:
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise ConfigError(f"rules lexicon: {where} must be a list of strings")
    return [v.strip().lower() for v in data if v.strip()]


def _number(data: dict[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if not isinstance(value, int | float):
        raise ConfigError(f"rules lexicon: composition.{key} must be a number")
    return float(value)


def build_grammar(
    language: dict[str, Any], target: dict[str, Any], regex: Any, alternation: Any
) -> StanceGrammar:
    """`language` is lexicon.yaml's `stance_grammar`, `target` a target file's
    `composition` (either may be empty); `regex`/`alternation` compile one term / a list
    the way the lexicon does (word boundaries, '*' endings)."""
    predicates: list[Predicate] = []
    raw_predicates = target.get("predicates") or {}
    if not isinstance(raw_predicates, dict):
        raise ConfigError("rules lexicon: composition.predicates must map side -> table")
    for side_name, table in raw_predicates.items():
        try:
            side = Stance(side_name)
        except ValueError as exc:
            raise ConfigError(f"rules lexicon: unknown predicate side {side_name!r}") from exc
        for text, weight in _table(table, f"predicates.{side_name}").items():
            predicates.append(Predicate(text, re.compile(regex(text)), side, weight))
    predicates.sort(key=lambda p: len(p.text), reverse=True)
    objects = sorted(_list(target.get("objects"), "composition.objects"), key=len, reverse=True)
    off = _list(target.get("off_topics"), "composition.off_topics")
    topic = sorted(_list(target.get("topic_terms"), "composition.topic_terms"), key=len)[::-1]
    other = sorted(_list(target.get("other_topics"), "composition.other_topics"), key=len)[::-1]
    turns_raw = target.get("rhetorical_question") or {}
    if not isinstance(turns_raw, dict):
        raise ConfigError("rules lexicon: composition.rhetorical_question must map side -> side")
    turns = {Stance(str(k)): Stance(str(v)) for k, v in turns_raw.items()}
    conditions = sorted(_list(language.get("conditions"), "stance_grammar.conditions"), key=len)
    return StanceGrammar(
        predicates=tuple(predicates),
        predicate_pattern=alternation([p.text for p in predicates]) if predicates else None,
        objects=alternation(objects) if objects else None,
        object_window=int(_number(target, "object_window", 8)),
        bare_scale=_number(target, "bare_predicate_scale", 0.7),
        question_turns=turns,
        off_topics=alternation(off) if off else None,
        topic=alternation(topic) if topic else None,
        other_topics=alternation(other) if other else None,
        topic_mentions=int(_number(target, "topic_mentions", 3)),
        condition_scale=_number(target, "condition_scale", 0.8),
        question_openers=tuple(
            _list(language.get("question_openers"), "stance_grammar.question_openers")
        ),
        conditions=alternation(conditions[::-1]) if conditions else None,
        clause_breaks=frozenset(
            _list(language.get("clause_breaks"), "stance_grammar.clause_breaks")
        ),
        rejecting_verbs=frozenset(
            _list(language.get("rejecting_verbs"), "stance_grammar.rejecting_verbs")
        ),
        nominal_determiners=frozenset(
            _list(language.get("nominal_determiners"), "stance_grammar.nominal_determiners")
        ),
    )

"""The rules extractor's word lists, loaded from the prompts package (data, not code).

`rules/lexicon.yaml` (how attribution is found) is shared; the stance lists are per target,
the `rules` section of the target's one file (`targets/<slug>.yaml`, stancetrack/targets.py).
A target without one cannot be judged: `lexicon_for` refuses it (exit 2) rather than label
claims by another target's cues. The lists are versioned with the prompts: the sha256 of the
files (plus the code version) is the rules backend's prompt hash, so editing a list
invalidates cached extractions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from stancetrack.datafiles import yaml_mapping
from stancetrack.errors import ConfigError, UnknownTargetError
from stancetrack.llm.rules.stance_rules import StanceGrammar, build_grammar
from stancetrack.settings import DEFAULT_TARGET
from stancetrack.stances import Stance
from stancetrack.targets import defined_targets, find_target
from stancetrack.text.words import LEXICON_FILE, Words, parse_words

# Bump when the extraction code changes behaviour: it is part of the prompt hash.
CODE_VERSION = "rules-code-10"
# Paths inside the prompts package: the language lexicon, and each target's one file
# (prompts/targets/, stancetrack/targets.py) whose `rules` section is its stance lexicon.
ATTRIBUTION_FILE = LEXICON_FILE


@dataclass(frozen=True, slots=True)
class Cue:
    """A stance cue: a compiled pattern, its side and weight."""

    text: str
    pattern: re.Pattern[str]
    side: Stance  # support, oppose or neutral
    weight: float
    self_negated: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    # The language's lists (verbs of saying, titles, pronouns, ...): the text layer's, not copied.
    words: Words
    position_verbs: tuple[str, ...]  # 'endorsed', 'railed against': a position on an object
    nominal_cues: frozenset[str]  # 'claim', 'warning': "his claim that ..." (nominal_cues.py)
    object_verbs: frozenset[str]
    audiences: tuple[str, ...]
    between_words: frozenset[str]
    speaker_nouns: frozenset[str]
    organization_words: frozenset[str]
    government_words: frozenset[str]
    place_words: frozenset[str]  # 'europe', 'crimea': a place, not a person
    female_first_names: frozenset[str]
    target: re.Pattern[str]
    cues: tuple[Cue, ...]
    cue_pattern: re.Pattern[str]  # all cues in one alternation, longest first
    negations: frozenset[str]
    comparative_intensifiers: frozenset[str]
    negation_window: int
    polar_scale: float
    negated_penalty: float
    pronoun_penalty: float
    neutral_confidence: float
    unrelated_confidence: float
    margin: float
    target_name: str  # the target these stance lists judge
    unrelated_rationale: str
    grammar: StanceGrammar
    demonyms: dict[str, str]  # country -> nationality adjective, lower case
    generic_nouns: frozenset[str]  # plural / generic speaker nouns that are no actor
    anonymous_nouns: frozenset[str]  # 'official': one unnamed person ('unnamed U.S. official')
    generic_modifiers: frozenset[str]  # 'Western', 'senior': not an affiliation
    sha256: str
    version: str


def _words(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"rules lexicon: {key!r} must be a list of strings")
    return [v.strip().lower() for v in value if v.strip()]


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"rules lexicon: {key!r} must be a mapping")
    return value


def _demonyms(actors: dict[str, Any]) -> dict[str, str]:
    table = actors.get("demonyms") or {}
    if not isinstance(table, dict):
        raise ConfigError("rules lexicon: actors.demonyms must map country -> adjective")
    return {str(k).strip().lower(): str(v).strip().lower() for k, v in table.items()}


def _term_body(term: str) -> str:
    words = []
    for word in term.lower().split():
        star = word.endswith("*")
        body = re.escape(word.rstrip("*"))
        words.append(body + (r"[\w'’-]*" if star else ""))
    tail = "" if term.rstrip().endswith("*") else r"(?![\w-])"
    return r"\s+".join(words) + tail


def term_regex(term: str) -> str:
    """A lexicon term as a regex on word boundaries; a word ending in '*' takes any ending."""
    return r"(?<![\w-])" + _term_body(term)


def terms_regex(terms: list[str]) -> re.Pattern[str]:
    """Several terms in one alternation (listed order wins), the boundary check factored out."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(_term_body(t) for t in terms) + ")")


def _read(name: str) -> bytes:
    root: Traversable = resources.files("stancetrack.prompts")
    return root.joinpath(*name.split("/")).read_bytes()


def _cues(data: dict[str, Any], side: Stance, negations: frozenset[str]) -> list[Cue]:
    """The `<stance>_cues` table of a target file."""
    key = f"{side.value}_cues"
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"rules lexicon: {key!r} must map cue -> weight")
    out = []
    for text, weight in table.items():
        if not isinstance(weight, int | float) or not 0 < float(weight) <= 1:
            raise ConfigError(f"rules lexicon: weight of {text!r} must be in (0, 1]")
        term = str(text).strip().lower()
        words = re.findall(r"[\w']+", term)
        self_negated = any(w in negations or w.endswith("n't") for w in words)
        out.append(Cue(term, re.compile(term_regex(term)), side, float(weight), self_negated))
    return out


def build_lexicon(files: dict[str, bytes]) -> Lexicon:
    """Parse the data files: `rules/lexicon.yaml` and ONE target file
    (`targets/<slug>.yaml`, its `rules` section), name -> bytes; raises ConfigError on a
    malformed file."""
    stance_names = [n for n in files if n != ATTRIBUTION_FILE]
    if ATTRIBUTION_FILE not in files or len(stance_names) != 1:
        raise ConfigError("rules lexicon: expected lexicon.yaml and one target file")
    lex = yaml_mapping(files[ATTRIBUTION_FILE], f"rules lexicon {ATTRIBUTION_FILE}")
    target_file = yaml_mapping(files[stance_names[0]], f"rules lexicon {stance_names[0]}")
    target_name = target_file.get("name")
    if not isinstance(target_name, str) or not target_name.strip():
        raise ConfigError(f"target file {stance_names[0]}: 'name' must name the target")
    stance = _mapping(target_file, "rules")
    if not stance:
        raise ConfigError(f"target file {stance_names[0]}: no 'rules' section (stance lexicon)")
    negations = frozenset(_words(stance, "negations"))
    cues = (
        _cues(stance, Stance.SUPPORT, negations)
        + _cues(stance, Stance.OPPOSE, negations)
        + _cues(stance, Stance.NEUTRAL, negations)
    )
    # Longest first: "not expand" must win over "expand*".
    cues.sort(key=lambda c: len(c.text), reverse=True)
    targets = sorted(_words(stance, "target_terms"), key=len, reverse=True)
    digest = hashlib.sha256(CODE_VERSION.encode())
    for name in (ATTRIBUTION_FILE, stance_names[0]):
        digest.update(b"\0" + name.encode() + b"\0" + files[name])

    def number(key: str, default: float) -> float:
        value = stance.get(key, default)
        if not isinstance(value, int | float):
            raise ConfigError(f"rules lexicon: {key!r} must be a number")
        return float(value)

    return Lexicon(
        words=parse_words(lex),
        position_verbs=tuple(sorted(set(_words(lex, "position_verbs")), key=len, reverse=True)),
        nominal_cues=frozenset(_words(lex, "nominal_cues")),
        object_verbs=frozenset(_words(lex, "object_verbs")),
        audiences=tuple(sorted(_words(lex, "audiences"), key=len, reverse=True)),
        between_words=frozenset(_words(lex, "between_words")),
        speaker_nouns=frozenset(_words(lex, "speaker_nouns")),
        organization_words=frozenset(_words(lex, "organization_words")),
        government_words=frozenset(_words(lex, "government_words")),
        place_words=frozenset(_words(lex, "place_words")),
        female_first_names=frozenset(_words(lex, "female_first_names")),
        target=terms_regex(targets),
        cues=tuple(cues),
        cue_pattern=terms_regex([c.text for c in cues]),
        negations=negations,
        comparative_intensifiers=frozenset(_words(stance, "comparative_intensifiers")),
        negation_window=int(number("negation_window", 3)),
        polar_scale=number("polar_scale", 0.9),
        negated_penalty=number("negated_penalty", 0.15),
        pronoun_penalty=number("pronoun_penalty", 0.05),
        neutral_confidence=number("neutral_confidence", 0.5),
        unrelated_confidence=number("unrelated_confidence", 0.6),
        margin=number("margin", 0.1),
        target_name=target_name.strip(),
        unrelated_rationale=str(
            stance.get("unrelated_rationale")
            or f"No mention of {target_name.strip()}: unrelated to the target."
        ),
        grammar=build_grammar(
            _mapping(lex, "stance_grammar"),
            _mapping(stance, "composition"),
            term_regex,
            terms_regex,
        ),
        demonyms=_demonyms(_mapping(lex, "actors")),
        generic_nouns=frozenset(_words(_mapping(lex, "actors"), "generic_nouns")),
        anonymous_nouns=frozenset(_words(_mapping(lex, "actors"), "anonymous_nouns")),
        generic_modifiers=frozenset(_words(_mapping(lex, "actors"), "generic_modifiers")),
        sha256=digest.hexdigest(),
        version=f"{CODE_VERSION}+lexicon-{lex.get('version', '?')}.{stance.get('version', '?')}",
    )


def target_files() -> dict[str, str]:
    """Every target the rules backend can judge (its file has a `rules` section), by the
    target's name -> its file."""
    return {t.name: t.file for t in defined_targets() if "rules" in t.data}


def known_targets() -> list[str]:
    """The targets the rules backend can judge (their files' `target`), sorted."""
    return sorted({lexicon_for_file(name).target_name for name in set(target_files().values())})


@lru_cache(maxsize=16)
def lexicon_for_file(name: str) -> Lexicon:
    try:
        files = {ATTRIBUTION_FILE: _read(ATTRIBUTION_FILE), name: _read(name)}
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise ConfigError(f"rules lexicon files not found: {exc}") from exc
    return build_lexicon(files)


def lexicon_for(target: str) -> Lexicon:
    """The lexicon judging `target` (named in any case and spacing), read once per process.

    Raises UnknownTargetError when no target file with a stance lexicon names the target.
    """
    found = find_target(target)
    name = target_files().get(found.name) if found is not None else None
    if name is None:
        raise UnknownTargetError(
            f"the rules backend has no stance lexicon for target {target!r} "
            f"(it knows: {', '.join(known_targets())}); add "
            "a `rules` section to its file in prompts/targets/ or use an LLM backend"
        )
    return lexicon_for_file(name)


def default_lexicon() -> Lexicon:
    """The lexicon for the default target (NATO expansion)."""
    return lexicon_for(DEFAULT_TARGET)

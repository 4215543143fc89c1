"""The language's word lists, one per concept, from its one lexicon file.

`prompts/rules/lexicon.yaml` is the home: the rules extractor already reads it and its
sha256 keys the rules backend's cached runs, so a list edited there re-extracts what it
changes; speaker evidence (`prompts/grounding/speaker_cues.yaml`) keeps only its window.
Reporting verbs, titles, pronouns, abbreviations, collective nouns and the capitalised words
that are no names are parsed here, once, and read by the rules extractor, speaker evidence, the text
index and actor names alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from stancetrack.errors import ConfigError

LEXICON_FILE = "rules/lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Words:
    """The word lists of one language, lower case."""

    speech_verbs: frozenset[str]  # acts of saying: 'said', 'warned'
    cognition_verbs: frozenset[str]  # belief or expectation: 'believes', 'thinks'
    intention_verbs: frozenset[str]  # a claim only before 'to': 'wants', 'plans'
    reporting_phrases: tuple[str, ...]  # speaker first: 'pointed out', 'made clear'
    source_phrases: tuple[str, ...]  # source after: 'according to'
    setting_phrases: tuple[str, ...]  # the scene of a statement: 'in an interview'
    titles: tuple[str, ...]  # before a name and not part of it; longest first
    person_pronouns: frozenset[str]  # a person as speaker: 'he', 'she', 'i'
    group_pronouns: frozenset[str]  # a group as speaker: 'they', 'we'
    thing_pronouns: frozenset[str]  # 'it'
    other_pronouns: frozenset[str]  # object and possessive forms: never a name
    abbreviations: frozenset[str]  # with their full stop: 'mr.', 'u.s.'
    not_names: frozenset[str]  # capitalised words that start sentences, not names
    group_words: frozenset[str]  # collective heads: 'officials', 'lawmakers'

    @property
    def title_set(self) -> frozenset[str]:
        return frozenset(self.titles)

    @property
    def pronouns(self) -> frozenset[str]:
        """Every pronoun: a speaker given as one names no one by itself."""
        return (
            self.person_pronouns | self.group_pronouns | self.thing_pronouns | self.other_pronouns
        )

    @property
    def reporting_cues(self) -> tuple[str, ...]:
        """What ties a named source to a quote: the verbs of saying and the phrases that
        report, cite a source or set the scene; sorted, distinct. Not the verbs of belief:
        with them the `cue` label was right less often (docs/ARCHITECTURE.md, speaker
        evidence)."""
        return tuple(
            sorted(
                self.speech_verbs
                | set(self.reporting_phrases)
                | set(self.source_phrases)
                | set(self.setting_phrases)
            )
        )


def _list(data: dict[str, Any], key: str, where: str = "") -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{LEXICON_FILE}: {where}{key!r} must be a list of strings")
    return [v.strip().lower() for v in value if v.strip()]


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{LEXICON_FILE}: {key!r} must be a mapping")
    return value


def _sets(data: dict[str, Any], section: str, *keys: str) -> tuple[frozenset[str], ...]:
    """The word set under each key of one section (`reporting_verbs`, `pronouns`)."""
    found = _section(data, section)
    return tuple(frozenset(_list(found, key, f"{section}.")) for key in keys)


def parse_words(data: dict[str, Any]) -> Words:
    """The word lists of a parsed lexicon file; ConfigError when one is malformed."""
    speech, cognition, intention = _sets(
        data, "reporting_verbs", "speech", "cognition", "intention"
    )
    person, group, thing, other = _sets(data, "pronouns", "person", "group", "thing", "other")
    return Words(
        speech_verbs=speech,
        cognition_verbs=cognition,
        intention_verbs=intention,
        reporting_phrases=tuple(_list(data, "reporting_phrases")),
        source_phrases=tuple(_list(data, "source_phrases")),
        setting_phrases=tuple(_list(data, "setting_phrases")),
        titles=tuple(sorted(set(_list(data, "titles")), key=len, reverse=True)),
        person_pronouns=person,
        group_pronouns=group,
        thing_pronouns=thing,
        other_pronouns=other,
        abbreviations=frozenset(_list(data, "abbreviations")),
        not_names=frozenset(_list(data, "not_names")),
        group_words=frozenset(_list(data, "group_words")),
    )


def load_mapping(raw: bytes) -> dict[str, Any]:
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{LEXICON_FILE}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{LEXICON_FILE}: expected a mapping at the top level")
    return data


def lexicon_bytes() -> bytes:
    return resources.files("stancetrack.prompts").joinpath(*LEXICON_FILE.split("/")).read_bytes()


@lru_cache(maxsize=1)
def words() -> Words:
    """The language's word lists, read once per process."""
    return parse_words(load_mapping(lexicon_bytes()))

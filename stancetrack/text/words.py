"""The language's word lists, one per concept, from its one lexicon file.

`prompts/rules/lexicon.yaml` is the home: the rules extractor already reads it and its
sha256 keys the rules backend's cached runs, so a list edited there re-extracts what it
changes; speaker evidence (`prompts/grounding/speaker_cues.yaml`) keeps only its window.
Reporting verbs, titles, pronouns, abbreviations, collective nouns and the capitalised words
that are no names are parsed here, once, and read by the rules extractor, speaker evidence, the text
index and actor names alike.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from importlib import resources
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from stancetrack.datafiles import yaml_mapping
from stancetrack.errors import ConfigError

LEXICON_FILE = "rules/lexicon.yaml"


def _lowered(value: object) -> object:
    """A list of strings as its words, lower case, blanks dropped; anything else is left
    for pydantic to reject."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip().lower() for v in value if v.strip()]
    return value


def _longest_first(value: tuple[str, ...]) -> tuple[str, ...]:
    """Distinct, longest first, ties alphabetical (the same order in every process)."""
    return tuple(sorted(set(value), key=lambda t: (-len(t), t)))


WordSet = Annotated[frozenset[str], BeforeValidator(_lowered)]
Phrases = Annotated[tuple[str, ...], BeforeValidator(_lowered)]


def _in(section: str, key: str) -> Any:
    """A word set under a section of the file (`reporting_verbs.speech`, `pronouns.he`)."""
    return Field(default=frozenset(), validation_alias=AliasPath(section, key))


class Words(BaseModel):
    """The word lists of one language, lower case: the lexicon file validated (each list
    under its own key, the verbs and pronouns under their sections; other keys are the
    rules extractor's)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    speech_verbs: WordSet = _in("reporting_verbs", "speech")  # acts of saying: 'said'
    cognition_verbs: WordSet = _in("reporting_verbs", "cognition")  # belief: 'thinks'
    intention_verbs: WordSet = _in("reporting_verbs", "intention")  # before 'to': 'plans'
    reporting_phrases: Phrases = ()  # speaker first: 'pointed out', 'made clear'
    source_phrases: Phrases = ()  # source after: 'according to'
    setting_phrases: Phrases = ()  # the scene of a statement: 'in an interview'
    # Before a name and not part of it; longest first.
    titles: Annotated[Phrases, AfterValidator(_longest_first)] = ()
    person_pronouns: WordSet = _in("pronouns", "person")  # a person as speaker: 'he', 'i'
    group_pronouns: WordSet = _in("pronouns", "group")  # a group as speaker: 'they', 'we'
    thing_pronouns: WordSet = _in("pronouns", "thing")  # 'it'
    other_pronouns: WordSet = _in("pronouns", "other")  # object and possessive: never a name
    abbreviations: WordSet = frozenset()  # with their full stop: 'mr.', 'u.s.'
    not_names: WordSet = frozenset()  # capitalised words that start sentences, not names
    group_words: WordSet = frozenset()  # collective heads: 'officials', 'lawmakers'

    # Read per token by the rules: computed once, not per access.
    @cached_property
    def title_set(self) -> frozenset[str]:
        return frozenset(self.titles)

    @cached_property
    def pronouns(self) -> frozenset[str]:
        """Every pronoun: a speaker given as one names no one by itself."""
        return (
            self.person_pronouns | self.group_pronouns | self.thing_pronouns | self.other_pronouns
        )

    @cached_property
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


def parse_words(data: dict[str, Any]) -> Words:
    """The word lists of a parsed lexicon file; ConfigError when one is malformed."""
    try:
        return Words.model_validate(data)
    except ValidationError as exc:
        where = ", ".join(
            ".".join(str(part) for part in error["loc"]) or "file" for error in exc.errors()
        )
        raise ConfigError(f"{LEXICON_FILE}: {where} must be a list of strings") from None


def lexicon_bytes() -> bytes:
    return resources.files("stancetrack.prompts").joinpath(*LEXICON_FILE.split("/")).read_bytes()


@lru_cache(maxsize=1)
def words() -> Words:
    """The language's word lists, read once per process."""
    return parse_words(yaml_mapping(lexicon_bytes(), LEXICON_FILE))

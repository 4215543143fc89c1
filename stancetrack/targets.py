"""Targets: their one home (``prompts/targets/*.yaml``) and how a typed name finds them.

A target is what a stance is toward. Its file holds everything about it: the name as
stored and shown, the definition the LLM prompt renders, and (for the offline rules
extractor) its stance lexicon. A person may type "nato  expansion": names match ignoring
case and runs of spaces everywhere, resolved once at the edge (CLI, API, worker) and passed
down as stored (docs/ARCHITECTURE.md, Targets).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from stancetrack.datafiles import yaml_mapping
from stancetrack.errors import ConfigError, UnknownTargetError

TARGETS_DIR = "targets"
# Stored on every run and claim (String(200)).
TARGET_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Target:
    """One target's file: name, definition, and the raw bytes the rules backend reads."""

    name: str
    definition: str
    file: str  # e.g. "targets/nato-expansion.yaml" under the prompts package
    data: dict[str, Any]
    raw: bytes

    @property
    def definition_sha256(self) -> str:
        return definition_sha256(self.definition)


def definition_sha256(definition: str) -> str:
    return hashlib.sha256(definition.encode("utf-8")).hexdigest()


def one_spaced(target: str) -> str:
    """Runs of whitespace become one space, ends trimmed."""
    return " ".join(target.split())


def target_key(target: str) -> str:
    """What two spellings of one target share: case-folded, one-spaced."""
    return one_spaced(target).casefold()


def match_target(given: str, known: Iterable[str]) -> str | None:
    """The known spelling of `given`, or None when no known target matches it."""
    key = target_key(given)
    return next((name for name in known if target_key(name) == key), None)


@cache
def defined_targets() -> tuple[Target, ...]:
    """Every target file shipped in the prompts package, by file name."""
    folder = resources.files("stancetrack.prompts") / TARGETS_DIR
    found: list[Target] = []
    seen: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        where = f"{TARGETS_DIR}/{entry.name}"
        raw = entry.read_bytes()
        data = yaml_mapping(raw, f"target file {where}")
        name, definition = data.get("name"), data.get("definition")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"target file {where}: `name` is missing")
        if not isinstance(definition, str) or not definition.strip():
            raise ConfigError(f"target file {where}: `definition` is missing")
        name = one_spaced(name)
        if target_key(name) in seen:
            raise ConfigError(
                f"target {name!r} is defined twice: {seen[target_key(name)]}, {where}"
            )
        seen[target_key(name)] = where
        found.append(Target(name, one_spaced(definition), where, data, raw))
    return tuple(found)


def defined_names() -> list[str]:
    return [t.name for t in defined_targets()]


def find_target(name: str) -> Target | None:
    """The defined target `name` names (any case and spacing), or None."""
    key = target_key(name)
    return next((t for t in defined_targets() if target_key(t.name) == key), None)


def canonical_target(name: str) -> str:
    """`name` as stored: a defined target's own spelling, else one-spaced as given (an LLM
    backend may extract toward any target; it is then defined by its name alone)."""
    found = find_target(name)
    return found.name if found is not None else one_spaced(name)


def definition_of(name: str) -> str:
    """What the prompt says the target means: its definition, or its name when undefined."""
    found = find_target(name)
    return found.definition if found is not None else one_spaced(name)


@cache
def definition_key(name: str) -> str:
    """The sha256 of what `name` means to the prompt: part of the skip key, so a clarified
    definition re-extracts its own target only."""
    return definition_sha256(definition_of(name))


def resolve_query_target(given: str | None, configured: str, stored: list[str]) -> str:
    """The target a query reads, as stored.

    `given` is the explicit `--target` (None: the configured one). An explicit target with
    no stored claims is an error naming the targets that have some, never a silent empty
    answer; the configured target may have none yet (a new database answers empty).
    """
    wanted = configured if given is None else given
    found = match_target(wanted, stored)
    if found is not None:
        return found
    if given is None or (not stored and target_key(given) == target_key(configured)):
        return canonical_target(wanted)
    known = ", ".join(repr(name) for name in stored) or "none yet"
    raise UnknownTargetError(
        f"no claims for target {one_spaced(given)!r} (targets with claims: {known}); "
        f"extract with --target {one_spaced(given)!r} first"
    )

"""Load versioned prompt files (prompts/, shipped as ``stancetrack.prompts``) and render them.

A prompt is data, not code: its wording lives in ``prompts/<name>/vN.md`` plus worked-example
files, so it can be reviewed, versioned and hashed. The sha256 of those bytes goes on every
run, which makes "same prompt" a fact rather than a guess. See prompts/README.md.

Messages are ordered fixed-first (system, worked examples) and article-last, so providers
that cache a common prefix reuse it across articles.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stancetrack.errors import ConfigError
from stancetrack.schemas import Reply
from stancetrack.subjects import target_subjects
from stancetrack.targets import definition_of

DEFAULT_PROMPT = "extract_claims"
REQUIRED_SECTIONS = ("system", "user", "part", "reask", "truncated")

_SECTION = re.compile(r"^<!-- section: ([a-z_]+) -->[ \t]*\n", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_VERSION_FILE = re.compile(r"^v(\d+)\.md$")

Message = dict[str, str]


@dataclass(frozen=True, slots=True)
class PromptExample:
    """A worked example: an article and the ideal reply to it."""

    name: str
    title: str
    published: str
    text: str
    reply: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    name: str
    version: str
    sha256: str
    sections: dict[str, str]
    examples_target: str | None
    examples: tuple[PromptExample, ...]
    # target -> the fixed messages before the article (system and worked examples): the same
    # for every article of a batch, so rendered once.
    _prefixes: dict[str, tuple[Message, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def messages(
        self,
        *,
        title: str,
        text: str,
        target: str,
        published: date | str | None = None,
        part: tuple[int, int] | None = None,
    ) -> list[Message]:
        """System, worked examples (for their own target only), then the article."""
        prefix = self._prefixes.get(target)
        if prefix is None:
            prefix = self._prefixes[target] = tuple(self._prefix(target))
        return [*prefix, {"role": "user", "content": self._user(title, published, text, part)}]

    def _prefix(self, target: str) -> list[Message]:
        definition = definition_of(target)
        out: list[Message] = [
            {
                "role": "system",
                "content": _fill(
                    self.sections["system"],
                    target=target,
                    target_definition=definition,
                    subjects_rule=_subjects_rule(target),
                ),
            }
        ]
        if self.examples_target and self.examples_target.casefold() == target.casefold():
            for example in self.examples:
                out.append(
                    {
                        "role": "user",
                        "content": self._user(example.title, example.published, example.text),
                    }
                )
                reply = json.dumps(example.reply, ensure_ascii=False)
                out.append({"role": "assistant", "content": reply})
        return out

    def reask(self, error: str) -> str:
        """The user message that asks again after a reply failed validation."""
        return _fill(self.sections["reask"], error=error)

    def truncated_note(self) -> str:
        return self.sections["truncated"].strip()

    def _user(
        self,
        title: str,
        published: date | str | None,
        text: str,
        part: tuple[int, int] | None = None,
    ) -> str:
        part_note = ""
        if part is not None:
            part_note = _fill(self.sections["part"], index=str(part[0]), count=str(part[1]))
        when = published.isoformat() if isinstance(published, date) else (published or "unknown")
        return _fill(
            self.sections["user"],
            title=title or "(untitled)",
            published=when,
            part="\n" + part_note.strip() + "\n" if part_note else "",
            text=text,
        )


def prompt_dir(name: str, root: Path | Traversable | None = None) -> Traversable:
    base: Traversable = root if root is not None else resources.files("stancetrack.prompts")
    return base / name


def available_versions(
    name: str = DEFAULT_PROMPT, root: Path | Traversable | None = None
) -> list[str]:
    """Versions of a prompt, oldest first (``["v1", "v2"]``)."""
    folder = prompt_dir(name, root)
    if not folder.is_dir():
        return []
    numbers = sorted(
        int(m.group(1)) for entry in folder.iterdir() if (m := _VERSION_FILE.match(entry.name))
    )
    return [f"v{n}" for n in numbers]


def load_prompt(
    name: str = DEFAULT_PROMPT,
    version: str | None = None,
    *,
    root: Path | Traversable | None = None,
) -> PromptTemplate:
    """A prompt by name and version (default: the highest), checked and hashed."""
    versions = available_versions(name, root)
    if not versions:
        raise ConfigError(f"no prompt named {name!r}")
    if version is None:
        version = versions[-1]
    if not version.startswith("v"):
        version = f"v{version}"
    if version not in versions:
        raise ConfigError(f"prompt {name!r} has no version {version} (have: {', '.join(versions)})")

    folder = prompt_dir(name, root)
    main_bytes = (folder / f"{version}.md").read_bytes()
    meta, body = _split_front_matter(main_bytes.decode("utf-8"), f"{name}/{version}.md")
    sections = _sections(body, f"{name}/{version}.md")

    digest = hashlib.sha256()
    _hash_file(digest, f"{version}.md", main_bytes)
    examples = []
    for file_name in meta.get("examples") or []:
        raw = (folder / str(file_name)).read_bytes()
        _hash_file(digest, str(file_name), raw)
        examples.append(_example(str(file_name), raw))

    return PromptTemplate(
        name=str(meta.get("name", name)),
        version=str(meta.get("version", version)),
        sha256=digest.hexdigest(),
        sections=sections,
        examples_target=meta.get("examples_target"),
        examples=tuple(examples),
    )


def _hash_file(digest: Any, file_name: str, data: bytes) -> None:
    # Name and length delimit each file, so moving bytes between files changes the hash.
    digest.update(f"{file_name}\0{len(data)}\0".encode())
    digest.update(data)


def _split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        raise ConfigError(f"prompt {where}: missing YAML front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ConfigError(f"prompt {where}: unterminated YAML front matter")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ConfigError(f"prompt {where}: front matter is not a mapping")
    return meta, text[end + len("\n---\n") :]


def _sections(body: str, where: str) -> dict[str, str]:
    marks = list(_SECTION.finditer(body))
    sections: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
        sections[mark.group(1)] = body[mark.end() : end].rstrip("\n")
    missing = [s for s in REQUIRED_SECTIONS if s not in sections]
    if missing:
        raise ConfigError(f"prompt {where}: missing sections {', '.join(missing)}")
    return sections


def _example(file_name: str, raw: bytes) -> PromptExample:
    try:
        data = json.loads(raw)
        reply = Reply.model_validate(data["reply"])
        example = PromptExample(
            name=file_name,
            title=str(data["title"]),
            published=str(data.get("published") or "unknown"),
            text=str(data["text"]),
            reply=data["reply"],
        )
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise ConfigError(f"prompt example {file_name}: {exc}") from exc
    for claim in reply.claims:
        if claim.quote not in example.text:
            raise ConfigError(f"prompt example {file_name}: quote not in its text: {claim.quote!r}")
    return example


def _subjects_rule(target: str) -> str:
    """Rule 10 of the prompt: the target's subjects a claim may name (none: no rule)."""
    names = target_subjects(target).names
    if not names:
        return ""
    return (
        "10. subjects: which of these subjects of the target the claim is about, named exactly "
        f"as here: {', '.join(names)}; [] when it is about the target in general."
    )


def _fill(template: str, **values: str) -> str:
    """Replace ``{{name}}`` placeholders; an unknown placeholder is a bug in the prompt file."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ConfigError(f"prompt placeholder {{{{{key}}}}} has no value here")
        return values[key]

    return _PLACEHOLDER.sub(value, template)

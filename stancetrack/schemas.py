"""The model reply schema (v2; the wire contract of docs/CONTRACTS.md, "Model reply
schema") and its enums.

Version 2 adds an optional `subjects` per claim (what of the target it is about, one of the
target's subjects: stancetrack/subjects.py); a version 1 reply, without it, stays valid.

Every backend, the LLM ones and the offline rules, answers in this shape, so everything
downstream (grounding, storage, evaluation) has one input format.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stancetrack.stances import STANCES, Overall, Stance

__all__ = ["STANCES", "ActorType", "Attribution", "Overall", "Reply", "ReplyClaim", "Stance"]


class Attribution(StrEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    NARRATOR = "narrator"


class ActorType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    GOVERNMENT = "government"
    GROUP = "group"
    UNKNOWN = "unknown"


class ReplyClaim(BaseModel):
    """One claim as the model reports it; offsets are never trusted from the model."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    speaker: str = Field(min_length=1, description="How the article names the source here.")
    actor: str = Field(min_length=1, description="Canonical full name of the source.")
    actor_type: ActorType = ActorType.UNKNOWN
    quote: str = Field(min_length=1, description="Verbatim span of the article.")
    claim: str = Field(min_length=1, description="The claim as one self-contained sentence.")
    attribution: Attribution = Attribution.INDIRECT
    rationale: str = ""
    stance: Stance
    confidence: float = Field(ge=0.0, le=1.0)
    # v2: the target's subjects the claim is about (empty: the target in general, or not
    # said; the pipeline then finds them). Checked against the target's list when grounded.
    subjects: list[str] = Field(
        default_factory=list, description="Which of the target's subjects it is about."
    )

    @field_validator("subjects", mode="before")
    @classmethod
    def _no_null_subjects(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("actor_type", mode="before")
    @classmethod
    def _lenient_actor_type(cls, value: Any) -> Any:
        # Small models invent types ("country", "politician"); map them rather than re-ask.
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ActorType._value2member_map_:
                return low
            return {
                "country": "government",
                "state": "government",
                "politician": "person",
                "official": "person",
                "people": "group",
                "org": "organization",
                "organisation": "organization",
            }.get(low, "unknown")
        return value

    @field_validator("stance", "attribution", mode="before")
    @classmethod
    def _lowercase(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class Reply(BaseModel):
    """The whole reply: a list of claims (possibly empty)."""

    model_config = ConfigDict(extra="ignore")

    claims: list[ReplyClaim] = Field(default_factory=list)


# Keywords OpenAI's strict structured outputs (and llama.cpp's grammar converter) reject or
# ignore; the pydantic model still enforces them when the reply is validated.
_UNSUPPORTED = frozenset(
    {"title", "default", "minLength", "maxLength", "minimum", "maximum", "examples"}
)


def _strict(node: object, defs: Mapping[str, object]) -> object:
    """`node` with $refs inlined, unsupported keywords dropped, every object closed."""
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _strict(defs[ref.rsplit("/", 1)[-1]], defs)
    out = {
        key: (
            {name: _strict(sub, defs) for name, sub in value.items()}  # names, not keywords
            if key == "properties" and isinstance(value, dict)
            else _strict(value, defs)
        )
        for key, value in node.items()
        if key not in _UNSUPPORTED and key != "$defs"
    }
    if out.get("type") == "object":
        properties = out.get("properties", {})
        out["required"] = list(properties) if isinstance(properties, dict) else []
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=1)
def _reply_json_schema() -> dict[str, Any]:
    generated = Reply.model_json_schema()
    strict = _strict(generated, generated.get("$defs", {}))
    assert isinstance(strict, dict)
    return strict


def reply_json_schema() -> dict[str, Any]:
    """JSON schema sent to servers with structured outputs, generated from `Reply`.

    The strict-mode transform of `Reply.model_json_schema()`: $defs inlined, every property
    required, `additionalProperties: false`, no keywords strict mode rejects (lengths,
    bounds, defaults, titles). A fresh copy each call (callers may mutate it).
    """
    return copy.deepcopy(_reply_json_schema())

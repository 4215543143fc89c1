"""The model reply schema (v1, the wire contract of DESIGN.md) and the enums it uses.

Every backend, the LLM ones and the offline rules, answers in this shape, so everything
downstream (grounding, storage, evaluation) has one input format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


class Stance(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    NEUTRAL = "neutral"
    UNRELATED = "unrelated"


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


def reply_json_schema() -> dict[str, Any]:
    """JSON schema sent to servers with structured outputs (strict-mode compatible)."""
    claim_props: dict[str, Any] = {
        "speaker": {"type": "string"},
        "actor": {"type": "string"},
        "actor_type": {"type": "string", "enum": [t.value for t in ActorType]},
        "quote": {"type": "string"},
        "claim": {"type": "string"},
        "attribution": {"type": "string", "enum": [a.value for a in Attribution]},
        "rationale": {"type": "string"},
        "stance": {"type": "string", "enum": [s.value for s in Stance]},
        "confidence": {"type": "number"},
    }
    return {
        "type": "object",
        "properties": {
            "claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": claim_props,
                    "required": list(claim_props),
                    "additionalProperties": False,
                },
            }
        },
        "required": ["claims"],
        "additionalProperties": False,
    }

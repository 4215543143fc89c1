"""The read models: one pydantic model per answer (docs/CONTRACTS.md, "JSON output").

Each model is the one definition of its answer's shape. The repository builds them from its
rows, `dump` turns them into the JSON the CLI prints with `--format json`, and the API
declares them as its `response_model` (the OpenAPI document) and answers `dump`'s output,
so the two faces cannot drift apart. A field marked `exclude=True` is carried for the
code (links, sorting) but is not part of the answer. Field order is the JSON's key order.

The claims CSV layout (`claims -f csv`, `export`) is `ClaimCsvRow`'s fields, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field

from stancetrack.speaker_evidence import UNKNOWN
from stancetrack.stances import Overall as OverallName
from stancetrack.stances import Stance as StanceName

# A claim whose speaker the article does not name near the quote (speaker_evidence.py).
ABSENT = "absent"


class Out(BaseModel):
    # Answers may grow optional fields (docs/CONTRACTS.md: fields are only ever added);
    # enums are kept as their plain values, so rows compare and key like the strings stored.
    model_config = ConfigDict(
        extra="allow", frozen=True, use_enum_values=True, populate_by_name=True
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """The answer's JSON: the model's fields in order, dates ISO, aliases (`from`) used."""
    return model.model_dump(mode="json", by_alias=True)


def dump_all(models: Sequence[BaseModel]) -> list[dict[str, Any]]:
    return [dump(m) for m in models]


# -- articles ----------------------------------------------------------------------------------


class ArticleRefOut(Out):
    """An article ref: the article's id, title, URL and date."""

    # The code reads the outlet (compare by outlet, changes); the ref's JSON does not show it.

    id: int
    title: str
    url: str | None
    published: date | None
    outlet: str | None = Field(default=None, exclude=True)

    @property
    def sort_key(self) -> tuple[bool, date, int]:
        return (self.published is None, self.published or date.min, self.id)


class ArticleOut(Out):
    """One row of `articles`."""

    id: int
    title: str
    url: str | None
    outlet: str | None = None
    published: date | None
    sha256: str
    claims: int
    source: str = Field(default="", exclude=True)  # where it was read from (not in the JSON)


# -- claims ------------------------------------------------------------------------------------


class ClaimOut(Out):
    """One row of `claims`: `article_text[start:end] == quote` in the stored (NFC) text."""

    id: int
    target: str
    outlet: str | None = None  # the article's
    article: ArticleRefOut
    actor: str
    speaker: str
    quote: str
    start: int
    end: int
    claim: str
    attribution: str
    stance: StanceName
    confidence: float
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_evidence: str = UNKNOWN  # cue | nearby | absent | unknown (speaker_evidence.py)
    subjects: tuple[str, ...] = Field(
        default=(), description="The target's subjects it is about (none: general)."
    )
    actor_id: int = Field(default=0, exclude=True)
    run_id: int = Field(default=0, exclude=True)  # the run that stored it (links)

    @property
    def unverified(self) -> bool:
        """The article does not name the speaker near the quote (see speaker_evidence.py)."""
        return self.speaker_evidence == ABSENT


class ClaimCsvRow(BaseModel):
    """One claim as a CSV (or `export -f jsonl`) row: its fields, in order, are the ONE claims
    CSV layout of `claims -f csv` and `export` (docs/CONTRACTS.md, "Claims CSV")."""

    claim_id: int
    target: str
    article_id: int
    article_title: str
    article_url: str | None
    article_outlet: str | None
    article_published: date | None
    article_source: str
    article_sha256: str
    actor: str
    actor_id: int
    actor_type: str
    speaker: str
    quote: str
    start: int
    end: int
    claim: str
    attribution: str
    stance: str
    confidence: float
    rationale: str
    alignment: str
    run_id: int
    backend: str
    model: str
    prompt_version: str
    speaker_start: int | None
    speaker_end: int | None
    speaker_evidence: str
    subjects: str  # the claim's subjects, "; "-joined (empty: the target in general)


CLAIM_CSV_COLUMNS: tuple[str, ...] = tuple(ClaimCsvRow.model_fields)


# -- actors ------------------------------------------------------------------------------------


class ActorOut(Out):
    """One row of `actors`: the registry, with counts toward one target."""

    actor: str
    aliases: list[str]
    claims: int
    articles: int
    stance: OverallName | None
    type: str
    support: int
    oppose: int
    neutral: int
    unrelated: int
    user_aliases: list[str]


# -- compare, timeline, diff -------------------------------------------------------------------


class EvidenceOut(Out):
    """The claim that shows a cell's overall stance (its most confident fitting claim)."""

    claim_id: int
    article: ArticleRefOut
    quote: str
    claim: str
    stance: StanceName
    confidence: float

    @classmethod
    def of(cls, row: ClaimOut) -> EvidenceOut:
        return cls(
            claim_id=row.id,
            article=row.article,
            quote=row.quote,
            claim=row.claim,
            stance=row.stance,
            confidence=row.confidence,
        )


class ActorChangeOut(Out):
    actor: str
    a: OverallName | None
    b: OverallName | None
    change: Literal["unchanged", "shifted", "appeared", "disappeared"]


class MatchedOut(Out):
    actor: str
    similarity: float
    stance_changed: bool
    a: ClaimOut
    b: ClaimOut


class DiffClaimsOut(Out):
    only_a: list[ClaimOut]
    only_b: list[ClaimOut]
    matched: list[MatchedOut]


class DiffOut(Out):
    a: ArticleRefOut
    b: ArticleRefOut
    target: str
    actors: list[ActorChangeOut]
    claims: DiffClaimsOut


def _absent(value: object) -> bool:
    return value is None


# A field only some answers carry (`--per story`, `--subject`): left out of the JSON when unset.
def _optional(description: str) -> Any:
    return Field(default=None, exclude_if=_absent, description=description)


class CompareOut(Out):
    """One row of `compare`: an actor's counts, overall stance and evidence; per article,
    outlet or subject with `--by`, per story with `--per story`. `outlet` and `subject` are
    shown (null included) only by the variants that group by them."""

    actor: str
    article: ArticleRefOut | None = _optional("--by article: the article.")
    outlet: str | MISSING | None = Field(
        default=MISSING, description="--by outlet: the outlet; null: articles without a URL."
    )
    subject: str | MISSING | None = Field(
        default=MISSING, description="--by subject: the subject; null: the target in general."
    )
    support: int
    oppose: int
    neutral: int
    unrelated: int
    stance: OverallName
    claims: int
    stories: int | None = _optional("--per story: how many stories the actor's claims are in.")
    story: int | None = _optional("--per story: the story's id.")
    copies: int | None = _optional("--per story: how many copies the story has.")
    outlets: tuple[str, ...] | None = _optional("--per story: the outlets that carried them.")
    evidence: EvidenceOut | None = _optional("--evidence: the cell's most confident claim.")


class TimelinePointOut(Out):
    article: ArticleRefOut
    published: date | None
    support: int
    oppose: int
    neutral: int
    unrelated: int
    stance: OverallName
    evidence: EvidenceOut | None
    story: int | None = _optional("--per story: the story's id.")
    copies: int | None = _optional("--per story: how many copies the story has.")
    outlets: tuple[str, ...] | None = _optional("--per story: the outlets that ran it.")


class TimelineChangeOut(Out):
    from_: OverallName = Field(alias="from")
    to: OverallName
    from_article: ArticleRefOut
    to_article: ArticleRefOut


class TimelineOut(Out):
    actor: str
    target: str
    subject: str | None = _optional("--subject: the points count only the claims about it.")
    points: list[TimelinePointOut]
    changes: list[TimelineChangeOut]


# -- runs --------------------------------------------------------------------------------------


class RunArticleOut(Out):
    id: int
    title: str | None


class PromptOut(Out):
    name: str
    version: str
    sha256: str


class RunOut(Out):
    id: int
    article: RunArticleOut
    status: str
    started_at: str | None
    finished_at: str | None
    backend: str
    model: str
    endpoint_host: str | None
    prompt: PromptOut
    target: str
    claims: int
    rejected: int
    error: str | None


# -- changes -----------------------------------------------------------------------------------


class ChangeArticleOut(ArticleRefOut):
    """A change's article: an article ref with its outlet shown."""

    outlet: str | None = None


class ChangeEvidenceOut(Out):
    claim_id: int
    quote: str
    claim: str
    stance: StanceName
    confidence: float


class ChangeSideOut(Out):
    article: ChangeArticleOut
    evidence: ChangeEvidenceOut | None


class ChangeOut(Out):
    actor: str
    subject: str | None = Field(description="The subject; null: the target in general.")
    from_: OverallName = Field(alias="from")
    to: OverallName
    before: ChangeSideOut
    after: ChangeSideOut

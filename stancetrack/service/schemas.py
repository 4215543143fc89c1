"""The API's documented shapes (OpenAPI): the same JSON the CLI prints with --format json.

Handlers return the answers' JSON directly (no second validation pass on every row); these
models describe it for the OpenAPI document, and a test checks responses against it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stancetrack.stances import Overall as OverallName
from stancetrack.stances import Stance as StanceName


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")  # answers may grow optional fields


class ArticleRefOut(Out):
    id: int
    title: str
    url: str | None
    published: date | None
    outlet: str | None = None


class ArticleOut(ArticleRefOut):
    sha256: str
    claims: int


class ClaimOut(Out):
    id: int
    target: str
    outlet: str | None = None
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
    speaker_evidence: str | None = None
    subjects: list[str] = Field(
        default_factory=list, description="The target's subjects it is about (none: general)."
    )


class ActorOut(Out):
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


class EvidenceOut(Out):
    claim_id: int
    article: ArticleRefOut
    quote: str
    claim: str
    stance: StanceName
    confidence: float


class CompareOut(Out):
    actor: str
    support: int
    oppose: int
    neutral: int
    unrelated: int
    stance: OverallName
    claims: int
    article: ArticleRefOut | None = None
    evidence: EvidenceOut | None = None
    subject: str | None = None


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


class TimelinePointOut(Out):
    article: ArticleRefOut
    published: date | None
    support: int
    oppose: int
    neutral: int
    unrelated: int
    stance: OverallName
    evidence: EvidenceOut | None


class TimelineChangeOut(Out):
    from_: OverallName = Field(alias="from")
    to: OverallName
    from_article: ArticleRefOut
    to_article: ArticleRefOut


class TimelineOut(Out):
    actor: str
    target: str
    points: list[TimelinePointOut]
    changes: list[TimelineChangeOut]


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


class ArticlesPage(Out):
    items: list[ArticleOut]
    next: str | None = Field(description="Cursor of the next page; null on the last.")


class ClaimsPage(Out):
    items: list[ClaimOut]
    next: str | None


class ActorsPage(Out):
    items: list[ActorOut]
    next: str | None


class ComparePage(Out):
    items: list[CompareOut]
    next: str | None


class ChangeEvidenceOut(Out):
    claim_id: int
    quote: str
    claim: str
    stance: StanceName
    confidence: float


class ChangeSideOut(Out):
    article: ArticleRefOut
    evidence: ChangeEvidenceOut | None


class ChangeOut(Out):
    actor: str
    subject: str | None = Field(description="The subject; null: the target in general.")
    from_: OverallName = Field(alias="from")
    to: OverallName
    before: ChangeSideOut
    after: ChangeSideOut


class ChangesPage(Out):
    items: list[ChangeOut]
    next: str | None


class RunsPage(Out):
    items: list[RunOut]
    next: str | None


class ArticleIn(BaseModel):
    """An article to extract (the fields of a .json input)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1)
    url: str | None = Field(default=None, max_length=2000)
    published: date | None = None

    @field_validator("title", "text", "url")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank (only spaces and line breaks)")
        return value


class Queued(Out):
    article: ArticleOut
    status: Literal["queued"]


class Exists(Out):
    """The posted text was stored and extracted for this target before: nothing queued."""

    article: ArticleOut
    status: Literal["exists"]


class ErrorOut(BaseModel):
    error: str

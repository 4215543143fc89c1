"""The API's documented shapes (OpenAPI): the read models of `stancetrack.db.read_models`
(the same JSON the CLI prints with --format json), wrapped in pages, and the API's own
bodies (an article posted, an error).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stancetrack.db.read_models import (
    ActorChangeOut,
    ActorOut,
    ArticleOut,
    ArticleRefOut,
    ChangeArticleOut,
    ChangeEvidenceOut,
    ChangeOut,
    ChangeSideOut,
    ClaimOut,
    CompareOut,
    DiffClaimsOut,
    DiffOut,
    EvidenceOut,
    MatchedOut,
    Out,
    PromptOut,
    RunArticleOut,
    RunOut,
    TimelineChangeOut,
    TimelineOut,
    TimelinePointOut,
)

__all__ = [  # the read models, as the API names them
    "ActorChangeOut",
    "ActorOut",
    "ArticleOut",
    "ArticleRefOut",
    "ChangeArticleOut",
    "ChangeEvidenceOut",
    "ChangeOut",
    "ChangeSideOut",
    "ClaimOut",
    "CompareOut",
    "DiffClaimsOut",
    "DiffOut",
    "EvidenceOut",
    "MatchedOut",
    "PromptOut",
    "RunArticleOut",
    "RunOut",
    "TimelineChangeOut",
    "TimelineOut",
    "TimelinePointOut",
]


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

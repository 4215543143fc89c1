"""What a batch reports to its caller: the counts, and the callbacks a front end sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stancetrack.errors import InputError
from stancetrack.pipeline.messages import Outcome


@dataclass
class ExtractSummary:
    """Counts for one batch. `as_json()` is `extract`'s summary (docs/CONTRACTS.md, "JSON output").

    `articles` counts readable inputs; each ends `extracted`, `skipped` or failed.
    `failed` counts unreadable inputs plus articles whose extraction failed, so
    articles + input_errors == extracted + skipped + failed when the batch ran to the end.
    """

    articles: int = 0
    extracted: int = 0
    skipped: int = 0
    failed_articles: int = 0
    input_errors: int = 0
    claims: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    interrupted: bool = False
    fatal: str | None = None

    @property
    def failed(self) -> int:
        return self.failed_articles + self.input_errors

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.fatal is None and not self.interrupted

    def count(self, outcome: Outcome) -> None:
        """One article's answer, stored (with its claims) or failed, and what it cost: how
        every path that stores answers counts them (`extract`, `batches collect`)."""
        self.prompt_tokens += outcome.prompt_tokens
        self.completion_tokens += outcome.completion_tokens
        if outcome.status == "ok":
            self.extracted += 1
            self.claims += outcome.claims
            self.rejected += outcome.rejected
        else:
            self.failed_articles += 1

    def add(self, other: ExtractSummary) -> None:
        """Another run's stored and failed articles, their claims and cost."""
        self.extracted += other.extracted
        self.failed_articles += other.failed_articles
        self.claims += other.claims
        self.rejected += other.rejected
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    def as_json(self) -> dict[str, int]:
        return {
            "articles": self.articles,
            "extracted": self.extracted,
            "skipped": self.skipped,
            "failed": self.failed,
            "claims": self.claims,
            "rejected": self.rejected,
        }


@dataclass
class ExtractObserver:
    """Callbacks for a front end (all optional, called on the event loop thread)."""

    on_input_error: Callable[[InputError], None] | None = None
    on_article_failed: Callable[[str, str], None] | None = None  # (source, message)
    on_progress: Callable[[ExtractSummary], None] | None = None
    on_notice: Callable[[str], None] | None = None  # e.g. "using the offline rules backend"

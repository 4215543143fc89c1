"""`RulesBackend`: the offline extractor behind the same Backend protocol as the LLMs."""

from __future__ import annotations

import json
import time

from stancetrack.errors import UnknownTargetError
from stancetrack.llm.base import BackendReply, ExtractionError, ExtractionRequest, PromptInfo
from stancetrack.llm.context import BackendContext
from stancetrack.llm.rules.extractor import extract_claims
from stancetrack.llm.rules.lexicon import Lexicon, lexicon_for
from stancetrack.settings import DEFAULT_TARGET, Settings

MODEL = "rules-v1"


class RulesBackend:
    """Deterministic, no network: reporting cues, quotations and a stance lexicon.

    `windows` in the reply holds each claim's exact [start, end) so grounding picks the
    very occurrence the rules found, even when the same words occur twice. One backend
    judges one target (its stance lexicon, chosen from `settings.target`); building it for
    a target without a lexicon raises UnknownTargetError (exit 2).
    """

    name = "rules"
    endpoint_host: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        lexicon: Lexicon | None = None,
    ):
        self.settings = settings
        self.lexicon = lexicon or lexicon_for(settings.target if settings else DEFAULT_TARGET)
        self.model = MODEL
        self.prompt = PromptInfo(
            name="rules", version=self.lexicon.version, sha256=self.lexicon.sha256
        )

    @classmethod
    def from_context(cls, context: BackendContext, /) -> RulesBackend:
        """The plugin factory (llm/registry.py): the rules need only the settings."""
        return cls(context.settings)

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        began = time.perf_counter()
        self._check_target(request.target)
        found = extract_claims(request.text, self.lexicon)
        claims = [f.claim for f in found]
        raw = json.dumps(
            {"claims": [c.model_dump(mode="json") for c in claims]}, ensure_ascii=False
        )
        return BackendReply(
            claims=claims,
            raw_reply=raw,
            output_mode="rules",
            latency_ms=(time.perf_counter() - began) * 1000.0,
            windows=[(f.start, f.end) for f in found],
        )

    def _check_target(self, target: str) -> None:
        """Refuse (for the whole batch) a request for a target this lexicon does not judge."""
        try:
            judged = lexicon_for(target).target_name
        except UnknownTargetError as exc:
            raise ExtractionError(str(exc), fatal=True) from exc
        if judged != self.lexicon.target_name:
            raise ExtractionError(
                f"the rules backend was built for target {self.lexicon.target_name!r}, "
                f"not {target!r}",
                fatal=True,
            )

    async def aclose(self) -> None:
        return None

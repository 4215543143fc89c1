"""`RulesBackend`: the offline extractor behind the same Backend protocol as the LLMs."""

from __future__ import annotations

import json
import time

from stancetrack.llm.base import BackendReply, ExtractionRequest, PromptInfo
from stancetrack.llm.rules.extractor import extract_claims
from stancetrack.llm.rules.lexicon import Lexicon, default_lexicon
from stancetrack.settings import Settings

MODEL = "rules-v1"


class RulesBackend:
    """Deterministic, no network: reporting cues, quotations and a stance lexicon.

    `windows` in the reply holds each claim's exact [start, end) so grounding picks the
    very occurrence the rules found, even when the same words occur twice.
    """

    name = "rules"
    endpoint_host: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None

    def __init__(self, settings: Settings | None = None, *, lexicon: Lexicon | None = None):
        self.settings = settings
        self.lexicon = lexicon or default_lexicon()
        self.model = MODEL
        self.prompt = PromptInfo(
            name="rules", version=self.lexicon.version, sha256=self.lexicon.sha256
        )

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        began = time.perf_counter()
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

    async def aclose(self) -> None:
        return None

"""Run a backend over gold documents and score it: no database, quotes grounded here.

Each reply claim is placed in the text: first at the backend's own window when the text
there is the quote (the rules backend knows its exact spans), else by
`stancetrack.grounding.ground_quote` (exact, normalised, fuzzy). Quotes that cannot be
placed are counted as ungrounded and not scored, as `extract` would reject them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from stancetrack.evaluation.model import GoldDocument, GoldSet, PredictedClaim
from stancetrack.evaluation.scoring import Scores, score_document, stance_confusion
from stancetrack.grounding import ground_quote
from stancetrack.llm.base import Backend, BackendReply, ExtractionError, ExtractionRequest


@dataclass(slots=True)
class EvalResult:
    gold: GoldSet
    backend: str
    model: str
    prompt_sha256: str
    scores: Scores
    ungrounded: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        s = self.scores
        return {
            "gold": {"name": self.gold.name, "kind": self.gold.kind, "notes": self.gold.notes},
            "backend": {
                "name": self.backend,
                "model": self.model,
                "prompt_sha256": self.prompt_sha256,
            },
            "documents": s.documents,
            "failed": self.failed,
            "claims": {
                "overlap": s.overlap.as_dict(),
                "exact": s.exact.as_dict(),
                "fragments": s.fragments,
                "ungrounded": self.ungrounded,
            },
            "speaker": {
                "accuracy": round(s.speaker_accuracy, 4),
                "correct": s.speaker_correct,
                "scored": s.speaker_scored,
            },
            "stance": s.stance(),
            "stance_confusion": stance_confusion(s.stance_pairs) if s.has_stance else None,
            "seconds": round(self.seconds, 3),
        }


def place_claims(text: str, reply: BackendReply) -> tuple[list[PredictedClaim], int]:
    """Predicted claims with spans; the count of quotes that could not be grounded."""
    out, missing = [], 0
    for index, claim in enumerate(reply.claims):
        window = reply.windows[index] if index < len(reply.windows) else None
        if window is not None and text[window[0] : window[1]] == claim.quote:
            span = window
        else:
            found = ground_quote(text, claim.quote, window=window)
            if found is None:
                missing += 1
                continue
            span = (found.start, found.end)
        out.append(
            PredictedClaim(span, claim.speaker, claim.actor, claim.stance.value, claim.confidence)
        )
    return out, missing


async def evaluate(
    backend: Backend,
    gold: GoldSet,
    *,
    target: str,
    concurrency: int = 1,
    limit: int | None = None,
) -> EvalResult:
    documents = gold.documents[:limit] if limit else gold.documents
    began = time.perf_counter()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(doc: GoldDocument) -> BackendReply | str:
        async with gate:
            try:
                return await backend.extract(
                    ExtractionRequest(title="", text=doc.text, target=target, source=doc.doc_id)
                )
            except ExtractionError as exc:
                return f"{doc.doc_id}: {exc}"

    replies = await asyncio.gather(*(run(doc) for doc in documents))
    result = EvalResult(gold, backend.name, backend.model, backend.prompt.sha256, Scores())
    for doc, reply in zip(documents, replies, strict=True):
        if isinstance(reply, str):
            result.failed.append(reply)
            score_document(result.scores, doc, [])
            continue
        predicted, missing = place_claims(doc.text, reply)
        result.ungrounded += missing
        score_document(result.scores, doc, predicted)
    result.seconds = time.perf_counter() - began
    return result

"""Run a backend over gold documents and score what `extract` would store from its replies.

Each reply goes through `pipeline.grounded.claims_from_reply`, the one path from a reply to
stored claims (grounding exact -> normalised -> fuzzy, actor resolution in the article's
context, dedup), against a throwaway SQLite database holding the documents and the actor
registry they build up, as an extraction of the gold set into a new database would.
Rejected quotes are counted as ungrounded and not scored; predicted actors are the canonical
actors extract would store.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from stancetrack.db import Database
from stancetrack.db.repository.analysis import actor_names
from stancetrack.db.repository.articles import store_article
from stancetrack.evaluation.model import GoldDocument, GoldSet, PredictedClaim
from stancetrack.evaluation.scoring import Scores, score_document, stance_confusion
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import Backend, BackendReply, ExtractionError, ExtractionRequest
from stancetrack.pipeline.actor_ids import BatchActors
from stancetrack.pipeline.grounded import claims_from_reply


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
    # Placed claims by speaker evidence (cue | nearby | absent), as extract would store them.
    speaker_evidence: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("cue", "nearby", "absent"), 0)
    )

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
                "evidence": dict(self.speaker_evidence),
                "by_evidence": s.speaker_by_evidence(),
            },
            "stance": s.stance(),
            "stance_confusion": stance_confusion(s.stance_pairs) if s.has_stance else None,
            "seconds": round(self.seconds, 3),
        }


class Placer:
    """Places replies' claims exactly as `extract` stores them, in a scratch database."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self.actors = BatchActors()

    def place(
        self, doc_id: str, text: str, reply: BackendReply
    ) -> tuple[list[PredictedClaim], int]:
        """Predicted claims with spans and canonical actors; the count of rejected quotes."""
        with self.db.session() as session:
            article_id = self._article(session, doc_id, text)
            actors = self.actors.for_article(session, article_id)
            claims, rejected = claims_from_reply(text, reply, actors)
            names = actor_names(session, sorted({c.actor_id for c in claims}))
        actors.commit()
        predicted = [
            PredictedClaim(
                (c.start, c.end),
                c.speaker,
                names[c.actor_id],
                c.stance,
                c.confidence,
                c.speaker_evidence,
            )
            for c in claims
        ]
        return predicted, len(rejected)

    @staticmethod
    def _article(session: Session, doc_id: str, text: str) -> int:
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        item = ArticleInput(doc_id, doc_id, text, None, None, "txt", sha)
        return store_article(session, item)[0]


@contextmanager
def scratch_placer() -> Iterator[Placer]:
    """A Placer on a new SQLite database in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="stancetrack-eval-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            yield Placer(database)
        finally:
            database.dispose()


def place_claims(text: str, reply: BackendReply) -> tuple[list[PredictedClaim], int]:
    """One reply's claims as extract would store them (see `Placer`), and the rejected count."""
    with scratch_placer() as placer:
        return placer.place("document", text, reply)


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
    with scratch_placer() as placer:
        for doc, reply in zip(documents, replies, strict=True):
            if isinstance(reply, str):
                result.failed.append(reply)
                score_document(result.scores, doc, [])
                continue
            predicted, missing = placer.place(doc.doc_id, doc.text, reply)
            result.ungrounded += missing
            for p in predicted:
                result.speaker_evidence[p.speaker_evidence] = (
                    result.speaker_evidence.get(p.speaker_evidence, 0) + 1
                )
            score_document(result.scores, doc, predicted)
    result.seconds = time.perf_counter() - began
    return result

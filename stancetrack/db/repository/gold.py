"""Store hand-annotated (gold) claims as an article's current answer, without any model.

A gold file is a reply in schema v1; it goes through the same actor resolution and the same
grounding rule as a model's reply (a quote that is not in the text is rejected, never
stored), and is recorded as a Run with backend "gold" so its provenance is plain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Article, Claim, RejectedClaim, Run, utcnow
from stancetrack.db.repository.actors import ActorResolver
from stancetrack.schemas import Reply

GOLD_BACKEND = "gold"


@dataclass(frozen=True, slots=True)
class GoldResult:
    article_id: int
    run_id: int
    claims: int
    rejected: int


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Exact character span of `quote` in `text` (first occurrence), or None."""
    start = text.find(quote)
    if start < 0:
        return None
    return start, start + len(quote)


def store_gold_reply(
    session: Session, article: Article, reply: Reply, raw: str, *, target: str, name: str = "gold"
) -> GoldResult:
    """Replace the article's claims for `target` with the gold reply's; returns the counts."""
    raw_sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    run = Run(
        article_id=article.id,
        cache_key=hashlib.sha256(f"{article.sha256}:{raw_sha}".encode()).hexdigest(),
        backend=GOLD_BACKEND,
        model=name,
        endpoint_host=None,
        prompt_name=GOLD_BACKEND,
        prompt_version="1",
        prompt_sha256=raw_sha,
        target=target,
        params={},
        status="ok",
        raw_reply=raw,
    )
    session.add(run)
    session.flush()
    session.execute(delete(Claim).where(Claim.article_id == article.id, Claim.target == target))

    resolver = ActorResolver(session, article.id)
    seen: set[tuple[int, int, int]] = set()
    stored = rejected = 0
    for item in reply.claims:
        span = locate_quote(article.text, item.quote)
        reason = None if span is not None else "quote not found in the article text"
        actor = None
        if span is not None:
            actor = resolver.resolve(item.actor, item.speaker, item.actor_type.value)
            if (actor.id, *span) in seen:
                reason = "duplicate of another claim by the same actor at the same span"
        if reason is not None or span is None or actor is None:
            rejected += 1
            session.add(
                RejectedClaim(
                    run_id=run.id,
                    article_id=article.id,
                    reason=reason or "unresolved",
                    speaker=item.speaker,
                    actor=item.actor,
                    quote=item.quote,
                    payload=item.model_dump(mode="json"),
                )
            )
            continue
        seen.add((actor.id, *span))
        stored += 1
        session.add(
            Claim(
                article_id=article.id,
                run_id=run.id,
                target=target,
                actor_id=actor.id,
                speaker=item.speaker,
                quote=item.quote,
                start=span[0],
                end=span[1],
                claim=item.claim,
                attribution=item.attribution.value,
                stance=item.stance.value,
                confidence=item.confidence,
                rationale=item.rationale,
                alignment="exact",
            )
        )
    run.claims_count = stored
    run.rejected_count = rejected
    run.finished_at = utcnow()
    session.flush()
    return GoldResult(article.id, run.id, stored, rejected)


def article_by_source_stem(session: Session, stem: str) -> Article | None:
    """The stored article whose source file is named `<stem>.<ext>` (newest first)."""
    for article in session.scalars(
        select(Article).where(Article.source.contains(stem)).order_by(Article.id.desc())
    ):
        name = article.source.replace("\\", "/").rsplit("/", 1)[-1]
        if name.rsplit(".", 1)[0] == stem:
            return article
    return None

"""Actor ids for a batch's claims: resolved in the article's context, cached when that is safe.

A bare surname ("Johnson") means whoever the same article names in full ("Mark Johnson"),
so it is resolved again for every article. A fuller name resolves the same whatever the
article, so its actor is remembered for the rest of the batch: registry lookups would
otherwise dominate the database side.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from stancetrack.actors import is_pronoun, name_key
from stancetrack.db.repository.actors import ActorResolver
from stancetrack.schemas import ReplyClaim

# Distinct actor mentions remembered per batch (a few MB at most).
ACTOR_CACHE_SIZE = 20_000

Mention = tuple[str, str, str]  # (actor, speaker, actor_type) as the reply gives them


def mention_of(claim: ReplyClaim) -> Mention:
    return (claim.actor, claim.speaker, claim.actor_type.value)


def article_independent(claim: ReplyClaim) -> bool:
    """True when the claim's actor resolves the same in any article.

    The resolver reads the article only for a one-word key (a bare surname, or a title plus
    surname such as "President Putin"); a pronoun or empty actor falls back to the speaker,
    which may be such a surname. Both cases stay per article.
    """
    name = " ".join(claim.actor.split())
    return bool(name) and not is_pronoun(name) and len(name_key(name).split()) > 1


class BatchActors:
    """The batch-wide cache of article-independent mentions; bounded, cleared on conflict."""

    def __init__(self, limit: int = ACTOR_CACHE_SIZE) -> None:
        self.limit = limit
        self.known: dict[Mention, int] = {}

    def for_article(
        self, session: Session, article_id: int, text: str | None = None
    ) -> ArticleActors:
        return ArticleActors(self, session, article_id, text)

    def remember(self, resolved: dict[Mention, int]) -> None:
        if len(self.known) + len(resolved) > self.limit:
            self.known.clear()  # bounded memory on huge, varied corpora
        self.known.update(resolved)

    def clear(self) -> None:
        self.known.clear()


class ArticleActors:
    """One article's mentions -> actor ids, inside that article's transaction.

    Resolution is idempotent (the same mention in the same context resolves to the same
    actor and adds no alias the second time), so a repeated mention only costs queries and
    is answered from memory. What this article resolved joins the batch cache only once
    its transaction has committed (`commit`).
    """

    def __init__(
        self, batch: BatchActors, session: Session, article_id: int, text: str | None = None
    ) -> None:
        self.batch = batch
        self.resolver = ActorResolver(session, article_id, text)
        self.local: dict[Mention, int] = {}
        self.shareable: dict[Mention, int] = {}

    def actor_id(self, claim: ReplyClaim) -> int:
        mention = mention_of(claim)
        known = self.local.get(mention)
        if known is None:
            independent = article_independent(claim)
            known = self.batch.known.get(mention) if independent else None
            if known is None:
                known = self.resolver.resolve_id(*mention)
                if independent:
                    self.shareable[mention] = known
            self.local[mention] = known
        return known

    def commit(self) -> None:
        self.batch.remember(self.shareable)

"""The actors list: every actor (or a page of them, by name) with aliases and one target's
counts, and actor names by id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stancetrack.db.models import Actor, ActorAlias, Claim
from stancetrack.db.repository.claim_filter import ClaimFilter
from stancetrack.db.repository.counts import Counts, per_actor, stance_counts


def actor_names(session: Session, ids: Sequence[int] | None = None) -> dict[int, str]:
    stmt = select(Actor.id, Actor.name)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(Actor.id.in_(list(ids)))
    return {i: n for i, n in session.execute(stmt)}


@dataclass
class ActorSummary:
    id: int
    name: str
    actor_type: str
    aliases: list[str] = field(default_factory=list)
    user_aliases: list[str] = field(default_factory=list)
    claims: int = 0
    articles: int = 0
    counts: Counts = field(default_factory=Counts)


def actor_ids_page(session: Session, *, after: str | None, limit: int) -> list[int]:
    """The ids of up to `limit` actors after the name `after`, in name order (unique index)."""
    stmt = select(Actor.id).order_by(Actor.name).limit(limit)
    if after is not None:
        stmt = stmt.where(Actor.name > after)
    return list(session.scalars(stmt))


def actor_summaries(
    session: Session, ids: Sequence[int] = (), *, target: str
) -> list[ActorSummary]:
    """Every actor (or the given ones) with aliases, and claim/article/stance counts in
    `target` (the registry is shared by all targets; the counts are one target's)."""
    stmt = select(Actor.id, Actor.name, Actor.key, Actor.actor_type).order_by(Actor.name)
    if ids:
        stmt = stmt.where(Actor.id.in_(list(ids)))
    actors = {r[0]: (ActorSummary(r[0], r[1], r[3]), r[2]) for r in session.execute(stmt)}
    alias_stmt = select(
        ActorAlias.actor_id, ActorAlias.alias, ActorAlias.key, ActorAlias.origin
    ).order_by(ActorAlias.actor_id, ActorAlias.id)
    if ids:
        alias_stmt = alias_stmt.where(ActorAlias.actor_id.in_(list(ids)))
    seen: dict[int, set[str]] = defaultdict(set)
    for actor_id, alias, key, origin in session.execute(alias_stmt):
        if actor_id not in actors:
            continue
        summary, own_key = actors[actor_id]
        if key == own_key or key in seen[actor_id] or alias == summary.name:
            continue
        seen[actor_id].add(key)
        summary.aliases.append(alias)
        if origin == "user":
            summary.user_aliases.append(alias)
    flt = ClaimFilter(target, actor_ids=ids)
    for actor_id, counts in per_actor(stance_counts(session, flt)).items():
        if actor_id in actors:
            actors[actor_id][0].counts = counts
            actors[actor_id][0].claims = counts.total
    art_stmt = (
        select(Claim.actor_id, func.count(func.distinct(Claim.article_id)))
        .where(Claim.target == target)
        .group_by(Claim.actor_id)
    )
    if ids:
        art_stmt = art_stmt.where(Claim.actor_id.in_(list(ids)))
    for actor_id, n in session.execute(art_stmt):
        if actor_id in actors:
            actors[actor_id][0].articles = n
    return [summary for summary, _key in actors.values()]

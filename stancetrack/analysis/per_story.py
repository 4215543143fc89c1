"""`compare` and `timeline` with `--per story`: a claim carried by several copies of one
wire story (docs/CONTRACTS.md, "Version 2 and 3 additions") counts once,
and the outlets that carried it are listed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import CompareRow, pick_evidence
from stancetrack.analysis.stance import overall_from_counts
from stancetrack.analysis.timeline import Timeline
from stancetrack.db.models import Actor
from stancetrack.db.repository.analysis import actor_names, strongest_claims
from stancetrack.db.repository.stories import (
    actor_stories,
    stories_of,
    story_counts,
    story_counts_by_story,
    story_refs,
)


def _story_ids(session: Session, article_ids: Sequence[int]) -> list[int]:
    return sorted(set(stories_of(session, article_ids).values()))


def compare_per_story(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    evidence: bool = False,
    include_unverified: bool = False,
) -> list[CompareRow]:
    """Per actor: claims counted once per story, the number of stories, the outlets
    (claims whose speaker is not named left out unless `include_unverified`, as `compare`),
    and with `evidence` the most confident claim for the overall stance, as `compare`."""
    counts = story_counts(
        session,
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=not include_unverified,
    )
    names = actor_names(session, sorted(counts))
    carried = actor_stories(session, target=target, actor_ids=actor_ids, article_ids=article_ids)
    strongest = (
        strongest_claims(
            session,
            target=target,
            actor_ids=list(counts),
            article_ids=article_ids,
            verified_only=not include_unverified,
        )
        if evidence and counts
        else {}
    )
    rows = []
    for actor_id, c in counts.items():
        stories, outlets = carried.get(actor_id, (0, ()))
        overall = overall_from_counts(c.as_dict())
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=c,
                stance=overall,
                stories=stories,
                outlets=outlets,
                evidence=pick_evidence(strongest, actor_id, None, overall) if evidence else None,
            )
        )
    rows.sort(key=lambda r: (-r.counts.total, r.actor.casefold()))
    return rows


def timeline_per_story(session: Session, actor: Actor, *, target: str) -> Timeline:
    """One point per story in which the actor makes claims, at the story's first copy."""
    cells = story_counts_by_story(
        session,
        target=target,
        actor_ids=[actor.id],
        verified_only=True,  # as `timeline`
    )
    refs = story_refs(session, sorted({story for _, story in cells}))
    points = []
    for (_actor_id, story), c in cells.items():
        ref = refs[story]
        points.append(
            CompareRow(
                actor=actor.name,
                counts=c,
                stance=overall_from_counts(c.as_dict()),
                article=ref.first,
                story=ref,
                outlets=ref.outlets,
            )
        )
    points.sort(key=lambda r: r.article.sort_key if r.article else ())
    return Timeline(actor.name, target, points)

"""`compare` and `timeline` with `--per story`: a claim carried by several copies of one
wire story (docs/CONTRACTS.md, "Version 2 and 3 additions") counts once, and the outlets that
carried it are listed."""

from __future__ import annotations

from typing import Any, Unpack

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import (
    CompareOptions,
    CompareRow,
    actor_cell,
    compare_cells,
    most_claims_first,
    narrowing,
    per_actor_evidence,
)
from stancetrack.analysis.stance import overall_from_counts
from stancetrack.analysis.timeline import Timeline
from stancetrack.db.models import Actor
from stancetrack.db.repository.stories import (
    actor_stories,
    story_counts,
    story_counts_by_story,
    story_refs,
)


def compare_per_story(session: Session, **opts: Unpack[CompareOptions]) -> list[CompareRow]:
    """Per actor: claims counted once per story, the number of stories, the outlets, and
    with `evidence` the most confident claim for the overall stance, as `compare`."""
    claims = narrowing(opts)
    carried = actor_stories(
        session,
        target=claims["target"],
        actor_ids=claims["actor_ids"],
        article_ids=claims["article_ids"],
    )

    def story_fields(actor_id: int, _group: None) -> dict[str, Any]:
        stories, outlets = carried.get(actor_id, (0, ()))
        return {"stories": stories, "outlets": outlets}

    return compare_cells(
        session,
        {(actor_id, None): c for actor_id, c in story_counts(session, **claims).items()},
        strongest=per_actor_evidence(session, opts),
        evidence_cell=actor_cell,
        fields=story_fields,
        order=most_claims_first,
    )


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

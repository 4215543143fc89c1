"""`timeline ACTOR`: the actor's overall stance article by article, in date order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import CompareRow, compare_by_article
from stancetrack.db.models import Actor
from stancetrack.db.read_models import (
    EvidenceOut,
    TimelineChangeOut,
    TimelineOut,
    TimelinePointOut,
)
from stancetrack.schemas import Overall

# Vertical position of each overall stance in charts (top to bottom).
LANES: tuple[str, ...] = tuple(
    o.value for o in (Overall.SUPPORT, Overall.MIXED, Overall.NEUTRAL, Overall.OPPOSE, Overall.NONE)
)


@dataclass
class Timeline:
    actor: str
    target: str
    points: list[CompareRow] = field(default_factory=list)
    subject: str | None = None  # `--subject`: only the claims about it

    @property
    def changes(self) -> list[TimelineChangeOut]:
        """Each move of the overall stance between consecutive articles (ignoring 'none')."""
        out = []
        previous: CompareRow | None = None
        for point in self.points:
            if point.stance == "none":
                continue
            if previous is not None and previous.stance != point.stance:
                assert previous.article and point.article
                out.append(
                    TimelineChangeOut(
                        from_=previous.stance,
                        to=point.stance,
                        from_article=previous.article,
                        to_article=point.article,
                    )
                )
            previous = point
        return out

    def read_model(self) -> TimelineOut:
        """The `timeline` answer (docs/CONTRACTS.md)."""
        points = []
        for p in self.points:
            assert p.article is not None
            counts = p.counts.by_stance
            story = p.story  # --per story: the story, its copies and outlets
            points.append(
                TimelinePointOut(
                    article=p.article,
                    published=p.article.published,
                    support=counts["support"],
                    oppose=counts["oppose"],
                    neutral=counts["neutral"],
                    unrelated=counts["unrelated"],
                    stance=p.stance,
                    evidence=EvidenceOut.of(p.evidence) if p.evidence else None,
                    story=story.id if story else None,
                    copies=len(story.articles) if story else None,
                    outlets=story.outlets if story else None,
                )
            )
        return TimelineOut(
            actor=self.actor,
            target=self.target,
            subject=self.subject,
            points=points,
            changes=self.changes,
        )


def timeline(
    session: Session, actor: Actor, *, target: str, subject: str | None = None
) -> Timeline:
    """One point per article in which the actor makes claims toward `target` (about
    `subject` when given), oldest first (undated last)."""
    rows = compare_by_article(
        session, target=target, actor_ids=[actor.id], evidence=True, subject=subject
    )
    return Timeline(actor.name, target, rows, subject)

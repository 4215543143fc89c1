"""`timeline ACTOR`: the actor's overall stance article by article, in date order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import CompareRow, compare_by_article, evidence_json
from stancetrack.db.models import Actor
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
    def changes(self) -> list[dict[str, Any]]:
        """Each move of the overall stance between consecutive articles (ignoring 'none')."""
        out = []
        previous: CompareRow | None = None
        for point in self.points:
            if point.stance == "none":
                continue
            if previous is not None and previous.stance != point.stance:
                assert previous.article and point.article
                out.append(
                    {
                        "from": previous.stance,
                        "to": point.stance,
                        "from_article": previous.article.as_json(),
                        "to_article": point.article.as_json(),
                    }
                )
            previous = point
        return out

    def as_json(self) -> dict[str, Any]:
        points = []
        for p in self.points:
            assert p.article is not None
            item: dict[str, Any] = {
                "article": p.article.as_json(),
                "published": p.article.as_json()["published"],
                **p.counts.as_dict(),
                "stance": p.stance,
                "evidence": evidence_json(p.evidence) if p.evidence else None,
            }
            if p.story is not None:  # --per story: the story, its copies and outlets
                item["story"] = p.story.id
                item["copies"] = len(p.story.articles)
                item["outlets"] = list(p.story.outlets)
            points.append(item)
        return {
            "actor": self.actor,
            "target": self.target,
            **({"subject": self.subject} if self.subject is not None else {}),
            "points": points,
            "changes": self.changes,
        }


def timeline(
    session: Session, actor: Actor, *, target: str, subject: str | None = None
) -> Timeline:
    """One point per article in which the actor makes claims toward `target` (about
    `subject` when given), oldest first (undated last)."""
    rows = compare_by_article(
        session, target=target, actor_ids=[actor.id], evidence=True, subject=subject
    )
    return Timeline(actor.name, target, rows, subject)

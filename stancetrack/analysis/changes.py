"""`changes`: each time an actor's overall stance moves, per subject, in date order.

An actor's claims about one subject (None: about the target in general) form a series of
points, one per dated article (or per story with `per="story"`: its articles' claims
together, dated by its first article). A point's stance is the overall-stance rule over its
claims (analysis/stance.py); points with stance `none` (unrelated claims only) are skipped,
as in `timeline`. Each point whose stance differs from the previous point's is a change,
with the article and the evidence quote of both sides. Undated articles have no place in
date order and are left out; so are claims whose speaker is not named near the quote (as in
`compare`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from stancetrack.analysis.compare import evidence_stance
from stancetrack.analysis.stance import overall_from_counts
from stancetrack.db.read_models import (
    ChangeArticleOut,
    ChangeEvidenceOut,
    ChangeOut,
    ChangeSideOut,
    EvidenceOut,
)
from stancetrack.db.repository.analysis import (
    IN_CHUNK,
    ArticleRef,
    ClaimRow,
    Counts,
    actor_names,
    article_refs,
)
from stancetrack.db.repository.stories import stories_of
from stancetrack.db.repository.subjects import dated_cells, strongest_by_subject
from stancetrack.schemas import Overall


@dataclass(frozen=True, slots=True)
class Side:
    """One end of a change: the article (a story's first) and the quote that shows it."""

    article: ArticleRef
    evidence: ClaimRow | None

    def read_model(self) -> ChangeSideOut:
        # The ref with its outlet shown; the evidence as everywhere (EvidenceOut.of) but
        # without its article, which the side names already.
        ev = self.evidence
        return ChangeSideOut(
            article=ChangeArticleOut.model_validate(self.article, from_attributes=True),
            evidence=None
            if ev is None
            else ChangeEvidenceOut.model_validate(EvidenceOut.of(ev), from_attributes=True),
        )


@dataclass(frozen=True, slots=True)
class Change:
    actor: str
    subject: str | None
    before_stance: str
    after_stance: str
    before: Side
    after: Side

    @property
    def published(self) -> date | None:
        return self.after.article.published

    @property
    def key(self) -> str:
        """Stable identity of a change (the feed's entry id, `watch`'s seen set)."""
        return (
            f"{self.actor}\x1f{self.subject or ''}\x1f{self.before.article.id}"
            f"\x1f{self.after.article.id}\x1f{self.before_stance}\x1f{self.after_stance}"
        )

    def read_model(self) -> ChangeOut:
        """The `changes` row (docs/CONTRACTS.md), as `--notify` POSTs it too."""
        return ChangeOut(
            actor=self.actor,
            subject=self.subject,
            from_=self.before_stance,
            to=self.after_stance,
            before=self.before.read_model(),
            after=self.after.read_model(),
        )


@dataclass(slots=True)
class _Point:
    article_id: int  # the story's first article with `per="story"`
    published: date
    counts: Counts
    articles: list[int]


def _points(cells: Sequence[Any], stories: dict[int, int] | None) -> list[_Point]:
    points: list[_Point] = []
    by_story: dict[int, _Point] = {}
    for cell in cells:
        story = stories.get(cell.article_id) if stories is not None else None
        if story is not None and story in by_story:
            point = by_story[story]
            for stance, n in cell.counts.as_dict().items():
                point.counts.add(stance, n)
            point.articles.append(cell.article_id)
            continue
        point = _Point(cell.article_id, cell.published, Counts(), [cell.article_id])
        for stance, n in cell.counts.as_dict().items():
            point.counts.add(stance, n)
        points.append(point)
        if story is not None:
            by_story[story] = point
    return points


def changes(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    subject: str | None = None,
    since: date | None = None,
    per: str = "article",
) -> list[Change]:
    """Every change of the selected actors' overall stances, oldest first (by the date of
    its later side). `since` keeps the changes whose later side is on or after it (the
    earlier side may be older); `subject` keeps one subject's series."""
    cells = dated_cells(session, target=target, actor_ids=actor_ids, subject=subject)
    stories = stories_of(session, sorted({c.article_id for c in cells})) if per == "story" else None
    series: dict[tuple[int, str | None], list[Any]] = {}
    for cell in cells:
        series.setdefault((cell.actor_id, cell.subject), []).append(cell)
    found: list[tuple[int, str | None, _Point, str, _Point, str]] = []
    for (actor_id, subj), group in series.items():
        previous: tuple[_Point, str] | None = None
        for point in _points(group, stories):
            stance = overall_from_counts(point.counts.as_dict())
            if stance == Overall.NONE.value:
                continue
            if previous is not None and previous[1] != stance:
                found.append((actor_id, subj, previous[0], previous[1], point, stance))
            previous = (point, stance)
    if since is not None:
        found = [f for f in found if f[4].published >= since]
    if not found:
        return []
    names = actor_names(session, sorted({f[0] for f in found}))
    wanted = sorted({a for f in found for p in (f[2], f[4]) for a in p.articles})
    refs = article_refs(session, wanted)
    actors = sorted({f[0] for f in found})
    # Narrowing to the changes' actors and articles only pays while the lists are short;
    # the lookup below is by key either way (and a long IN list is refused by SQLite).
    strongest = strongest_by_subject(
        session,
        target=target,
        actor_ids=actors if len(actors) <= IN_CHUNK else (),
        article_ids=wanted if len(wanted) <= IN_CHUNK else (),
        by_article=True,
        verified_only=True,
    )

    def side(actor_id: int, subj: str | None, point: _Point, stance: str) -> Side:
        candidates = [
            strongest[key]
            for article_id in point.articles
            for st in evidence_stance(stance)
            if (key := (actor_id, subj, article_id, st)) in strongest
        ]
        best = max(candidates, key=lambda c: c.confidence, default=None)
        return Side(refs[point.article_id], best)

    out = [
        Change(
            names[a],
            subj,
            s1,
            s2,
            side(a, subj, p1, s1),
            side(a, subj, p2, s2),
        )
        for a, subj, p1, s1, p2, s2 in found
    ]
    out.sort(
        key=lambda c: (
            c.after.article.published or date.min,
            c.after.article.id,
            c.actor.casefold(),
            c.subject is not None,
            c.subject or "",
        )
    )
    return out

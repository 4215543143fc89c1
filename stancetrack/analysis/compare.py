"""`compare`: where each actor stands, overall or article by article, with evidence."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from stancetrack.analysis.stance import overall_from_counts
from stancetrack.db.read_models import EvidenceOut, dump
from stancetrack.db.repository.analysis import (
    ArticleRef,
    ClaimRow,
    Counts,
    actor_names,
    article_refs,
    data_stamp,
    stance_counts,
    stance_counts_by_article,
    stance_counts_by_outlet,
    strongest_claims,
)
from stancetrack.db.repository.stories import StoryRef
from stancetrack.schemas import Overall, Stance


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One actor (and, with `by_article`, one article; with `by_outlet`, one outlet): counts,
    overall stance, evidence."""

    actor: str
    counts: Counts
    stance: str
    article: ArticleRef | None = None
    evidence: ClaimRow | None = None
    # Set by `compare_by_outlet` (`outlet` None there: articles without a URL).
    per_outlet: bool = False
    outlet: str | None = None
    # Set by `compare_by_subject` (`subject` None there: claims about the target in general).
    per_subject: bool = False
    subject: str | None = None
    # Set with `--per story` (analysis/per_story.py): the story of a timeline point, the
    # number of stories an actor's claims appear in, the outlets that carried them.
    story: StoryRef | None = None
    stories: int | None = None
    outlets: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"actor": self.actor}
        if self.article is not None:
            out["article"] = dump(self.article)
        if self.per_outlet:
            out["outlet"] = self.outlet
        if self.per_subject:
            out["subject"] = self.subject
        out.update(self.counts.as_dict())
        out["stance"] = self.stance
        out["claims"] = self.counts.total
        if self.stories is not None:
            out["stories"] = self.stories
        if self.story is not None:
            out["story"] = self.story.id
            out["copies"] = len(self.story.articles)
        if self.outlets is not None:
            out["outlets"] = list(self.outlets)
        if self.evidence is not None:
            out["evidence"] = evidence_json(self.evidence)
        return out


def evidence_json(row: ClaimRow) -> dict[str, Any]:
    return dump(EvidenceOut.of(row))


def evidence_stance(overall: str) -> tuple[str, ...]:
    """Which claims can stand as evidence for an overall stance, best first."""
    return {
        Overall.SUPPORT: (Stance.SUPPORT.value,),
        Overall.OPPOSE: (Stance.OPPOSE.value,),
        Overall.MIXED: (Stance.SUPPORT.value, Stance.OPPOSE.value),
        Overall.NEUTRAL: (Stance.NEUTRAL.value,),
        Overall.NONE: (Stance.UNRELATED.value,),
    }[Overall(overall)]


def pick_evidence(
    strongest: dict[tuple[int, int | None, str], ClaimRow],
    actor_id: int,
    article_id: int | None,
    overall: str,
) -> ClaimRow | None:
    """The most confident claim that can stand as evidence for `overall` (one actor, and
    one article when `article_id` is given)."""
    candidates = [
        strongest[key]
        for stance in evidence_stance(overall)
        if (key := (actor_id, article_id, stance)) in strongest
    ]
    return max(candidates, key=lambda c: c.confidence, default=None)


class _Overviews:
    """Every actor's compare rows per (data stamp, target, include_unverified): the
    overview (`/api/compare?limit=50`, the dashboard) pages through thousands of rows that
    change only when data does. Keyed by `data_stamp`, read from the database per request,
    so several server processes never serve rows older than a commit they can see."""

    def __init__(self, size: int = 16) -> None:
        self._rows: OrderedDict[Hashable, list[CompareRow]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._gates: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> list[CompareRow] | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: Hashable, rows: list[CompareRow]) -> None:
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)

    def rows(self, key: Hashable, compute: Callable[[], list[CompareRow]]) -> list[CompareRow]:
        """The cached rows, or `compute()`d once: after a commit every request in flight
        misses at once, and one computes while the others wait for its rows."""
        rows = self.get(key)
        if rows is not None:
            return rows
        with self._lock:
            gate = self._gates.setdefault(key, threading.Lock())
        try:
            with gate:
                rows = self.get(key)
                if rows is None:
                    rows = compute()
                    self.put(key, rows)
                return rows
        finally:
            with self._lock:
                if self._gates.get(key) is gate:
                    del self._gates[key]


_OVERVIEWS = _Overviews()


def compare(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    evidence: bool = False,
    include_unverified: bool = False,
) -> list[CompareRow]:
    """Per actor: claim counts per stance toward `target` and the overall stance; most
    claims first. Claims whose speaker the article does not name near the quote (speaker
    evidence `absent`) are left out unless `include_unverified`.

    Over every actor (no actors, articles or evidence asked for) the rows come from a cache
    keyed by the database's change stamp (`_Overviews`)."""
    if actor_ids or article_ids or evidence:
        return _compare(session, target, actor_ids, article_ids, evidence, include_unverified)
    stamp = data_stamp(session)
    if stamp is None:
        return _compare(session, target, (), (), False, include_unverified)
    key = (stamp, target, include_unverified)
    rows = _OVERVIEWS.rows(
        key, lambda: _compare(session, target, (), (), False, include_unverified)
    )
    return list(rows)


def _compare(
    session: Session,
    target: str,
    actor_ids: Sequence[int],
    article_ids: Sequence[int],
    evidence: bool,
    include_unverified: bool,
) -> list[CompareRow]:
    verified = not include_unverified
    counts = stance_counts(
        session,
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified,
    )
    # Every actor's name in one scan beats an IN list of thousands of ids.
    names = actor_names(session, list(counts) if actor_ids or article_ids else None)
    strongest = (
        strongest_claims(
            session,
            target=target,
            actor_ids=list(counts),
            article_ids=article_ids,
            verified_only=verified,
        )
        if evidence and counts
        else {}
    )
    rows = []
    for actor_id, c in counts.items():
        overall = overall_from_counts(c.as_dict())
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=c,
                stance=overall,
                evidence=pick_evidence(strongest, actor_id, None, overall) if evidence else None,
            )
        )
    rows.sort(key=lambda r: (-r.counts.total, r.actor.casefold()))
    return rows


def compare_by_article(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    evidence: bool = False,
    include_unverified: bool = False,
    subject: str | None = None,
) -> list[CompareRow]:
    """The actor x article matrix (claims toward `target`, about `subject` when given) as
    rows, by actor then date; `absent`-speaker claims left out unless `include_unverified`
    (as in `compare`)."""
    verified = not include_unverified
    cells = stance_counts_by_article(
        session,
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified,
        subject=subject,
    )
    names = actor_names(session, sorted({a for a, _ in cells}))
    refs = article_refs(session, sorted({b for _, b in cells}))
    strongest = (
        strongest_claims(
            session,
            target=target,
            actor_ids=sorted({a for a, _ in cells}),
            article_ids=sorted(refs),
            by_article=True,
            verified_only=verified,
            subject=subject,
        )
        if evidence and cells
        else {}
    )
    rows = []
    for (actor_id, article_id), c in cells.items():
        overall = overall_from_counts(c.as_dict())
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=c,
                stance=overall,
                article=refs[article_id],
                evidence=pick_evidence(strongest, actor_id, article_id, overall)
                if evidence
                else None,
            )
        )
    rows.sort(key=lambda r: (r.actor.casefold(), r.article.sort_key if r.article else ()))
    return rows


def compare_by_outlet(
    session: Session,
    *,
    target: str,
    actor_ids: Sequence[int] = (),
    article_ids: Sequence[int] = (),
    evidence: bool = False,
    include_unverified: bool = False,
) -> list[CompareRow]:
    """Per actor and outlet: claim counts toward `target` and the overall stance, by actor
    then outlet (articles without an outlet last). Evidence is per actor and stance;
    `absent`-speaker claims left out unless `include_unverified` (as in `compare`)."""
    verified = not include_unverified
    cells = stance_counts_by_outlet(
        session,
        target=target,
        actor_ids=actor_ids,
        article_ids=article_ids,
        verified_only=verified,
    )
    names = actor_names(session, sorted({a for a, _ in cells}))
    strongest = (
        strongest_claims(
            session,
            target=target,
            actor_ids=sorted({a for a, _ in cells}),
            article_ids=article_ids,
            verified_only=verified,
        )
        if evidence and cells
        else {}
    )
    rows = []
    for (actor_id, outlet), c in cells.items():
        overall = overall_from_counts(c.as_dict())
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=c,
                stance=overall,
                evidence=pick_evidence(strongest, actor_id, None, overall) if evidence else None,
                per_outlet=True,
                outlet=outlet,
            )
        )
    rows.sort(key=lambda r: (r.actor.casefold(), r.outlet is None, r.outlet or ""))
    return rows

"""`compare`: where each actor stands, overall or article by article, with evidence."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict, TypeVar, Unpack

from sqlalchemy.orm import Session

from stancetrack.analysis.stance import overall_from_counts
from stancetrack.db.read_models import CompareOut, EvidenceOut
from stancetrack.db.repository.actor_listing import actor_names
from stancetrack.db.repository.claim_filter import Narrowing
from stancetrack.db.repository.claims import ArticleRef, ClaimRow, article_refs
from stancetrack.db.repository.counts import (
    Counts,
    stance_counts_by_actor,
    stance_counts_by_article,
    stance_counts_by_outlet,
)
from stancetrack.db.repository.data_stamp import data_stamp
from stancetrack.db.repository.evidence import strongest_claims
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

    def read_model(self) -> CompareOut:
        """The row as its answer (`CompareOut`): the CLI's JSON and the API's items."""
        shown: dict[str, Any] = {}
        if self.per_outlet:
            shown["outlet"] = self.outlet
        if self.per_subject:
            shown["subject"] = self.subject
        if self.story is not None:
            shown["story"] = self.story.id
            shown["copies"] = len(self.story.articles)
        return CompareOut(
            actor=self.actor,
            article=self.article,
            **self.counts.as_dict(),
            stance=self.stance,
            claims=self.counts.total,
            stories=self.stories,
            outlets=self.outlets,
            evidence=None if self.evidence is None else EvidenceOut.of(self.evidence),
            **shown,
        )


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
    strongest: Mapping[tuple[Any, ...], ClaimRow], cell: tuple[Any, ...], overall: str
) -> ClaimRow | None:
    """The most confident claim that can stand as evidence for `overall`: `strongest` is
    keyed by a cell (such as actor and article or None) and a stance."""
    candidates = [
        strongest[key]
        for stance in evidence_stance(overall)
        if (key := (*cell, stance)) in strongest
    ]
    return max(candidates, key=lambda c: c.confidence, default=None)


Group = TypeVar("Group")
# The most confident claim per evidence cell and stance, read for the given actors.
Evidence = Callable[[list[int]], Mapping[tuple[Any, ...], ClaimRow]]


def compare_cells(
    session: Session,
    cells: Mapping[tuple[int, Group], Counts],
    *,
    strongest: Evidence | None,
    evidence_cell: Callable[[int, Group], tuple[Any, ...]],
    order: Callable[[CompareRow], Any],
    fields: Callable[[int, Group], dict[str, Any]] = lambda _actor, _group: {},
    every_name: bool = False,
) -> list[CompareRow]:
    """The one way counts per (actor, group) become compare rows: the overall stance per
    cell (analysis/stance.py) and, when `strongest` is given (it is called with the cells'
    actors), the evidence found under `evidence_cell`. The variants of `compare` differ only
    in their grouping: the counts, the evidence query, the row's extra `fields`, the order.
    `every_name` reads every actor's name in one scan (cheaper than an IN list of
    thousands of ids when no actors or articles were asked for)."""
    actors = sorted({actor_id for actor_id, _ in cells})
    names = actor_names(session, None if every_name else actors)
    found = strongest(actors) if strongest is not None and cells else {}
    rows = []
    for (actor_id, group), c in cells.items():
        overall = overall_from_counts(c.as_dict())
        rows.append(
            CompareRow(
                actor=names[actor_id],
                counts=c,
                stance=overall,
                evidence=None
                if strongest is None
                else pick_evidence(found, evidence_cell(actor_id, group), overall),
                **fields(actor_id, group),
            )
        )
    rows.sort(key=order)
    return rows


def by_actor_then(group: Callable[[CompareRow], str | None]) -> Callable[[CompareRow], Any]:
    """Rows by actor, then by a group's name (rows without one last)."""
    return lambda r: (r.actor.casefold(), group(r) is None, group(r) or "")


def most_claims_first(row: CompareRow) -> tuple[int, str]:
    return (-row.counts.total, row.actor.casefold())


class CompareOptions(TypedDict, total=False):
    """The keywords every `compare` variant takes, declared once: one target, the actors
    and articles asked for (none: all), evidence or not, and whether claims whose speaker
    the article does not name near the quote (speaker evidence `absent`) count."""

    target: Required[str]
    actor_ids: Sequence[int]
    article_ids: Sequence[int]
    evidence: bool
    include_unverified: bool


def narrowing(opts: CompareOptions, actor_ids: Sequence[int] | None = None) -> Narrowing:
    """The claims `opts` asks for (of `actor_ids` instead, when given: the actors whose
    evidence is read)."""
    return {
        "target": opts["target"],
        "actor_ids": opts.get("actor_ids", ()) if actor_ids is None else actor_ids,
        "article_ids": opts.get("article_ids", ()),
        "verified_only": not opts.get("include_unverified", False),
    }


def per_actor_evidence(session: Session, opts: CompareOptions) -> Evidence | None:
    """The evidence query of rows whose evidence is per actor and stance (`actor_cell`),
    or None when `opts` asks for no evidence."""
    if not opts.get("evidence"):
        return None
    return lambda actors: strongest_claims(session, **narrowing(opts, actors))


def actor_cell(actor_id: int, _group: object) -> tuple[int, None, None]:
    """The evidence cell of a row whose evidence is per actor (not per subject or article):
    `strongest_claims` keys cells by (actor, subject, article)."""
    return (actor_id, None, None)


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


def compare(session: Session, **opts: Unpack[CompareOptions]) -> list[CompareRow]:
    """Per actor: claim counts per stance toward the target and the overall stance; most
    claims first; `absent`-speaker claims left out unless `include_unverified`.

    Over every actor (no actors, articles or evidence asked for) the rows come from a cache
    keyed by the database's change stamp (`_Overviews`)."""
    target, unverified = opts["target"], opts.get("include_unverified", False)
    actor_ids, article_ids = opts.get("actor_ids", ()), opts.get("article_ids", ())
    evidence = opts.get("evidence", False)
    if actor_ids or article_ids or evidence:
        return _compare(session, target, actor_ids, article_ids, evidence, unverified)
    stamp = data_stamp(session)
    if stamp is None:
        return _compare(session, target, (), (), False, unverified)
    key = (stamp, target, unverified)
    return list(_OVERVIEWS.rows(key, lambda: _compare(session, target, (), (), False, unverified)))


def _compare(
    session: Session,
    target: str,
    actor_ids: Sequence[int],
    article_ids: Sequence[int],
    evidence: bool,
    include_unverified: bool,
) -> list[CompareRow]:
    """`compare` without its cache."""
    opts: CompareOptions = {
        "target": target,
        "actor_ids": actor_ids,
        "article_ids": article_ids,
        "evidence": evidence,
        "include_unverified": include_unverified,
    }
    counts = stance_counts_by_actor(session, **narrowing(opts))
    return compare_cells(
        session,
        {(actor_id, None): c for actor_id, c in counts.items()},
        strongest=per_actor_evidence(session, opts),
        evidence_cell=actor_cell,
        order=most_claims_first,
        every_name=not (actor_ids or article_ids),
    )


def compare_by_article(
    session: Session, *, subject: str | None = None, **opts: Unpack[CompareOptions]
) -> list[CompareRow]:
    """The actor x article matrix (claims toward the target, about `subject` when given)
    as rows, by actor then date; evidence per actor, article and stance."""
    cells = stance_counts_by_article(session, subject=subject, **narrowing(opts))
    refs = article_refs(session, sorted({b for _, b in cells}))

    def strongest(actors: list[int]) -> Mapping[tuple[Any, ...], ClaimRow]:
        claims = narrowing(opts, actors)
        claims["article_ids"] = sorted(refs)
        return strongest_claims(session, by_article=True, subject=subject, **claims)

    return compare_cells(
        session,
        cells,
        strongest=strongest if opts.get("evidence") else None,
        evidence_cell=lambda actor_id, article_id: (actor_id, None, article_id),
        fields=lambda _actor_id, article_id: {"article": refs[article_id]},
        order=lambda r: (r.actor.casefold(), r.article.sort_key if r.article else ()),
    )


def compare_by_outlet(session: Session, **opts: Unpack[CompareOptions]) -> list[CompareRow]:
    """Per actor and outlet: claim counts toward the target and the overall stance, by
    actor then outlet (articles without an outlet last). Evidence is per actor and stance."""
    return compare_cells(
        session,
        stance_counts_by_outlet(session, **narrowing(opts)),
        strongest=per_actor_evidence(session, opts),
        evidence_cell=actor_cell,
        fields=lambda _actor_id, outlet: {"per_outlet": True, "outlet": outlet},
        order=by_actor_then(lambda r: r.outlet),
    )

"""`diff`: how actors' stances changed between two articles, actor by actor and claim by claim.

Per actor it applies the overall-stance rule (docs/CONTRACTS.md) in each article. Per claim it
pairs each claim of A with the most similar unpaired claim of the same actor in B (rapidfuzz
on the claim sentence and the quote; greedy, stancetrack/pairing.py), so a repeated statement
shows as one matched pair and a stance change on it is flagged; the rest are "only in A" /
"only in B".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from stancetrack.analysis.stance import change_between, overall_stance
from stancetrack.db.models import Article
from stancetrack.db.read_models import (
    ActorChangeOut,
    DiffClaimsOut,
    DiffOut,
    MatchedOut,
)
from stancetrack.db.repository.analysis import ArticleRef, ClaimRow, claims_in_articles
from stancetrack.pairing import greedy_pairs

MATCH_THRESHOLD = 60.0
CHANGE_ORDER = {"shifted": 0, "appeared": 1, "disappeared": 2, "unchanged": 3}


# An actor's overall stance in A and in B: the read model itself (db/read_models.py).
ActorChange = ActorChangeOut


@dataclass(frozen=True, slots=True)
class MatchedPair:
    actor: str
    a: ClaimRow
    b: ClaimRow
    similarity: float

    @property
    def stance_changed(self) -> bool:
        return self.a.stance != self.b.stance


@dataclass
class Diff:
    a: ArticleRef
    b: ArticleRef
    target: str
    actors: list[ActorChange] = field(default_factory=list)
    only_a: list[ClaimRow] = field(default_factory=list)
    only_b: list[ClaimRow] = field(default_factory=list)
    matched: list[MatchedPair] = field(default_factory=list)

    def read_model(self) -> DiffOut:
        """The `diff` answer (docs/CONTRACTS.md): similarity shown to one decimal."""
        matched = [
            MatchedOut(
                actor=m.actor,
                similarity=round(m.similarity, 1),
                stance_changed=m.stance_changed,
                a=m.a,
                b=m.b,
            )
            for m in self.matched
        ]
        claims = DiffClaimsOut(only_a=self.only_a, only_b=self.only_b, matched=matched)
        return DiffOut(a=self.a, b=self.b, target=self.target, actors=self.actors, claims=claims)


def similarity(a: ClaimRow, b: ClaimRow) -> float:
    """How alike two claims read (0-100): the better of claim-sentence and quote scores."""
    return max(
        float(fuzz.token_sort_ratio(a.claim, b.claim)),
        float(fuzz.token_sort_ratio(a.quote, b.quote)),
    )


def _pair(
    claims_a: list[ClaimRow], claims_b: list[ClaimRow], threshold: float
) -> tuple[list[MatchedPair], list[ClaimRow], list[ClaimRow]]:
    scored = (
        (similarity(ca, cb), i, j) for i, ca in enumerate(claims_a) for j, cb in enumerate(claims_b)
    )
    chosen = greedy_pairs(scored, at_least=threshold)
    pairs = [MatchedPair(claims_a[i].actor, claims_a[i], claims_b[j], s) for s, i, j in chosen]
    pairs.sort(key=lambda p: (p.a.start, p.b.start))
    used_a = {i for _, i, _ in chosen}
    used_b = {j for _, _, j in chosen}
    only_a = [c for i, c in enumerate(claims_a) if i not in used_a]
    only_b = [c for j, c in enumerate(claims_b) if j not in used_b]
    return pairs, only_a, only_b


def _ref(article: Article) -> ArticleRef:
    return ArticleRef.model_validate(article, from_attributes=True)


def diff_articles(
    session: Session,
    a: Article,
    b: Article,
    *,
    target: str,
    threshold: float = MATCH_THRESHOLD,
) -> Diff:
    """Compare two stored articles' claims toward `target`; works when they share no actor
    (all appear/disappear)."""
    rows = claims_in_articles(session, sorted({a.id, b.id}), target=target)
    by_actor: dict[str, tuple[list[ClaimRow], list[ClaimRow]]] = defaultdict(lambda: ([], []))
    for row in rows:
        if row.article.id == a.id:
            by_actor[row.actor][0].append(row)
        if row.article.id == b.id:
            by_actor[row.actor][1].append(row)
    result = Diff(_ref(a), _ref(b), target)
    for actor, (in_a, in_b) in by_actor.items():
        sa = overall_stance(c.stance for c in in_a) if in_a else None
        sb = overall_stance(c.stance for c in in_b) if in_b else None
        result.actors.append(ActorChange(actor=actor, a=sa, b=sb, change=change_between(sa, sb)))
        pairs, only_a, only_b = _pair(in_a, in_b, threshold)
        result.matched += pairs
        result.only_a += only_a
        result.only_b += only_b
    result.actors.sort(key=lambda c: (CHANGE_ORDER[c.change], c.actor.casefold()))
    result.only_a.sort(key=lambda c: (c.start, c.id))
    result.only_b.sort(key=lambda c: (c.start, c.id))
    result.matched.sort(key=lambda p: (p.actor.casefold(), p.a.start))
    return result

"""The one GROUP BY (`counts.stance_counts`) and the one evidence query
(`evidence.strongest_claims`) against the same answers computed in Python from the claims
themselves, for every grouping, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from test_service_reads import TARGET, _article, _random_claim, _run

from stancetrack.db import Database
from stancetrack.db.models import Actor
from stancetrack.db.repository.articles import store_article
from stancetrack.db.repository.claim_filter import ClaimFilter
from stancetrack.db.repository.claims import ClaimRow, list_claims
from stancetrack.db.repository.counts import Grouping, stance_counts
from stancetrack.db.repository.evidence import strongest_claims
from stancetrack.db.repository.extraction import record_run

SUBJECTS = ("Finland", "Sweden", "Ukraine")


def _fill(db: Database, seed: int = 3) -> None:
    """Claims of three actors about none, one or two subjects, with tied confidences."""
    rng = random.Random(seed)
    with db.session() as s:
        actors = [Actor(name=f"Speaker {i}", key=f"speaker {i}") for i in range(3)]
        s.add_all(actors)
        s.flush()
        ids = [a.id for a in actors]
        for n in range(12):
            published = None if n % 4 == 0 else date(2024, 1, 1) + timedelta(days=n % 3)
            article_id, _ = store_article(s, _article(n, published))
            claims = [
                _random_claim(rng, ids, start, confidences=(0.5, 0.7, 0.9), subjects=SUBJECTS)
                for start in rng.sample(range(0, 150, 5), 5)
            ]
            record_run(s, _run(article_id, n), claims)


def _value(row: ClaimRow, grouping: Grouping, subject: str | None) -> Any:
    return {
        "article": row.article.id,
        "outlet": row.outlet,
        "subject": subject,
        "published": row.article.published,
    }[grouping]


def _kept(row: ClaimRow, verified_only: bool) -> bool:
    return not (verified_only and row.speaker_evidence == "absent")


@pytest.fixture
def filled(database: Database) -> list[ClaimRow]:
    _fill(database)
    with database.session() as s:
        return list_claims(s, ClaimFilter(TARGET))


GROUPINGS: list[tuple[Grouping, ...]] = [
    (),
    ("article",),
    ("outlet",),
    ("subject",),
    ("subject", "published", "article"),
]


@pytest.mark.parametrize("group_by", GROUPINGS)
@pytest.mark.parametrize("verified_only", [False, True])
def test_stance_counts_equal_a_tally_of_the_claims(
    database: Database,
    filled: list[ClaimRow],
    group_by: tuple[Grouping, ...],
    verified_only: bool,
) -> None:
    expected: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(("support", "oppose", "neutral", "unrelated"), 0)
    )
    for row in filled:
        if not _kept(row, verified_only):
            continue
        for subject in row.subjects or (None,):
            key = (row.actor_id, *(_value(row, g, subject) for g in group_by))
            expected[key][row.stance] += 1
            if "subject" not in group_by:
                break  # a claim counts once unless grouped by subject
    with database.session() as s:
        found = stance_counts(
            s, ClaimFilter(TARGET), group_by=group_by, verified_only=verified_only
        )
    assert {k: c.as_dict() for k, c in found.items()} == dict(expected)
    assert filled  # the data is not empty


@pytest.mark.parametrize(
    ("by_article", "by_subject", "verified_only"), list(itertools.product([False, True], repeat=3))
)
def test_strongest_claims_are_the_most_confident_earliest(
    database: Database,
    filled: list[ClaimRow],
    by_article: bool,
    by_subject: bool,
    verified_only: bool,
) -> None:
    best: dict[tuple[Any, ...], ClaimRow] = {}
    for row in filled:
        if not _kept(row, verified_only):
            continue
        for subject in (row.subjects or (None,)) if by_subject else (None,):
            key = (row.actor_id, subject, row.article.id if by_article else None, row.stance)
            rank = (-row.confidence, row.article.id, row.start, row.id)
            held = best.get(key)
            if held is None or rank < (-held.confidence, held.article.id, held.start, held.id):
                best[key] = row
    with database.session() as s:
        found = strongest_claims(
            s,
            target=TARGET,
            by_article=by_article,
            by_subject=by_subject,
            verified_only=verified_only,
        )
    assert {k: r.id for k, r in found.items()} == {k: r.id for k, r in best.items()}
    assert all(
        r.subjects == next(f for f in filled if f.id == r.id).subjects for r in found.values()
    )

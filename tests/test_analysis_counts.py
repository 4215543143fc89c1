"""The trigger-kept actor_stance_counts always equal a GROUP BY over the claims."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import delete, func, select, update

from stancetrack.analysis.gold import import_gold
from stancetrack.db import Database
from stancetrack.db.models import ActorStanceCount, Claim
from stancetrack.db.repository.actors import find_actor, merge_actors

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
GOLD = ARTICLES.parent / "gold"


Key = tuple[int, str, bool]  # actor, stance, absent speaker (kept apart since 0011)


def _state(db: Database) -> tuple[Counter[Key], Counter[Key]]:
    with db.session() as s:
        grouped: Counter[Key] = Counter()
        for a, st, evidence, n in s.execute(
            select(Claim.actor_id, Claim.stance, Claim.speaker_evidence, func.count()).group_by(
                Claim.actor_id, Claim.stance, Claim.speaker_evidence
            )
        ):
            grouped[(a, st, evidence == "absent")] += n
        kept: Counter[Key] = Counter()
        for a, st, n, absent in s.execute(
            select(
                ActorStanceCount.actor_id,
                ActorStanceCount.stance,
                ActorStanceCount.claims,
                ActorStanceCount.absent,
            ).where(ActorStanceCount.claims != 0)
        ):
            kept[(a, st, True)] += absent
            kept[(a, st, False)] += n - absent
    return +grouped, +kept


def test_counts_follow_every_write(database: Database) -> None:
    stems = ["003_finland_sweden_apply_turkey_objects", "005_hungary_stalls_sweden"]
    import_gold(
        database,
        [GOLD / f"{s}.json" for s in stems],
        articles=[str(ARTICLES / f"{s}.txt") for s in stems],
    )
    grouped, kept = _state(database)
    assert grouped and grouped == kept
    expected = Counter(
        c["stance"]
        for s in stems
        for c in json.loads((GOLD / f"{s}.json").read_text(encoding="utf-8"))["claims"]
    )
    assert sum(grouped.values()) == sum(expected.values())

    with database.session() as s:  # stance edits, deletions
        s.execute(update(Claim).where(Claim.stance == "neutral").values(stance="support"))
        s.execute(delete(Claim).where(Claim.stance == "unrelated"))
    grouped, kept = _state(database)
    assert grouped == kept and not any(st in ("neutral", "unrelated") for _, st, _a in kept)

    with database.session() as s:  # speaker evidence regraded both ways
        first = s.scalar(select(func.min(Claim.id)))
        s.execute(update(Claim).where(Claim.id != first).values(speaker_evidence="absent"))
        s.execute(update(Claim).where(Claim.id == first).values(speaker_evidence="cue"))
    grouped, kept = _state(database)
    assert grouped == kept and any(absent for *_, absent in kept)

    with database.session() as s:  # a merge moves claims and deletes the source actor
        merge_actors(s, find_actor(s, "Sanna Marin"), find_actor(s, "Sauli Niinisto"))
    grouped, kept = _state(database)
    assert grouped == kept

    # Re-importing replaces an article's claims (delete + insert) without drift.
    import_gold(database, [GOLD / f"{stems[0]}.json"])
    grouped, kept = _state(database)
    assert grouped == kept

#!/usr/bin/env python3
"""Benchmark `changes` against `compare` on the generated database of bench_queries.py.

Builds the same database (scale 1.0: 1,000,000 claims, 5,000 actors), gives 40% of the
claims one or two subjects (the NATO expansion candidates), then times in one run, after a
warm-up, the library answers: `changes` over every actor, for the most quoted actor, for
one subject; `compare` and `compare --by subject` over every actor. Prints p50 and p99.

    .venv/bin/python bench/bench_changes.py --scale 0.1     # 100k claims
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_queries import generate

from stancetrack.analysis.by_subject import compare_by_subject
from stancetrack.analysis.changes import changes
from stancetrack.analysis.compare import _compare
from stancetrack.db import Database
from stancetrack.db.models import Claim, ClaimSubject
from stancetrack.subjects import target_subjects

TARGET = "NATO expansion"


def add_subjects(db: Database, seed: int) -> int:
    rng = random.Random(seed)
    names = target_subjects(TARGET).names
    rows: list[dict[str, Any]] = []
    with db.engine.begin() as conn:
        for (claim_id,) in conn.execute(select(Claim.id)):
            if rng.random() < 0.4:
                for subject in rng.sample(names, rng.choice((1, 1, 2))):
                    rows.append({"claim_id": claim_id, "subject": subject})
        conn.execute(insert(ClaimSubject), rows)
        conn.execute(text("ANALYZE"))
    return len(rows)


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    articles = max(10, int(100_000 * args.scale))
    actors = max(10, int(5_000 * min(1.0, args.scale * 10)))
    path = Path(tempfile.mkdtemp()) / "bench.db"
    db = Database(f"sqlite:///{path}")
    t0 = time.perf_counter()
    n = generate(db, articles=articles, actors=actors, per_article=10, seed=42)
    tagged = add_subjects(db, 42)
    print(f"generated {n:,} claims ({tagged:,} subject rows) in {time.perf_counter() - t0:.0f} s")

    def run(fn: Callable[..., list[Any]], **kw: Any) -> Callable[[], int]:
        def go() -> int:
            with db.session() as session:
                return len(fn(session, target=TARGET, **kw))

        return go

    cases = [
        ("compare (all actors)", lambda: _len(_compare_all(db))),
        ("compare --by subject (all actors)", run(compare_by_subject)),
        ("changes (all actors)", run(changes)),
        ("changes 'Actor 00001' (most quoted)", run(changes, actor_ids=[1])),
        ("changes --subject Finland", run(changes, subject="Finland")),
    ]
    print(f"{'query':40} {'p50 ms':>9} {'p99 ms':>9}  rows")
    for label, fn in cases:
        p50, p99, rows = timed(fn, args.repeat)
        print(f"{label:40} {p50:9.1f} {p99:9.1f}  {rows}", flush=True)
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def _compare_all(db: Database) -> list[Any]:
    with db.session() as session:  # uncached: the same work each time
        return _compare(session, TARGET, (), (), False, False)


def _len(rows: list[Any]) -> int:
    return len(rows)


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Benchmark `claims --actor` and `compare` on a generated database of 1,000,000 claims.

Generates (scale 1.0) 100,000 articles, one run each, 5,000 actors and 1,000,000 claims
(10 per article, actors drawn from a Zipf-like distribution as in real news: a few actors
speak everywhere, most rarely), bulk-inserted with SQLAlchemy Core executemany through the
real schema (created by the real migrations). Then times, after a warm-up, the library
queries (`list_claims` for actors of several popularity ranks, `compare` over everything)
and the CLI in-process (`claims --actor`, `compare`, output to /dev/null).

    .venv/bin/python bench/bench_queries.py                      # SQLite, full scale
    .venv/bin/python bench/bench_queries.py --scale 0.1          # 100k claims
    .venv/bin/python bench/bench_queries.py --postgres postgresql://postgres@127.0.0.1/test

PostgreSQL runs in a fresh schema that is dropped afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from stancetrack.actors import loose_key, surname_key
from stancetrack.analysis.compare import compare
from stancetrack.db import Database
from stancetrack.db.models import Actor, ActorAlias, Article, Claim, Run
from stancetrack.db.repository.actors import find_actor
from stancetrack.db.repository.analysis import ClaimFilter, list_claims
from stancetrack.schemas import STANCES

BATCH = 20_000


def generate(db: Database, *, articles: int, actors: int, per_article: int, seed: int) -> int:
    """Fill an empty database; returns the number of claims written."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(actors)]
    day0 = date(2015, 1, 1)
    # Core inserts bypass the models' key validators: give the match keys (migration 0008)
    # as the ORM would.
    keys = [f"actor {i + 1:05d}" for i in range(actors)]
    match = [{"loose_key": loose_key(k), "surname_key": surname_key(k)} for k in keys]
    with db.engine.begin() as conn:
        conn.execute(
            insert(Actor),
            [
                {
                    "id": i + 1,
                    "name": f"Actor {i + 1:05d}",
                    "key": keys[i],
                    "actor_type": "person",
                    **match[i],
                }
                for i in range(actors)
            ],
        )
        conn.execute(
            insert(ActorAlias),
            [
                {
                    "actor_id": i + 1,
                    "alias": f"Actor {i + 1:05d}",
                    "key": keys[i],
                    "origin": "model",
                    **match[i],
                }
                for i in range(actors)
            ],
        )
    claim_id = 0
    for lo in range(0, articles, BATCH // per_article):
        hi = min(articles, lo + BATCH // per_article)
        art_rows, run_rows, claim_rows = [], [], []
        for a in range(lo + 1, hi + 1):
            body = f"Article {a} body. " * 12
            published = day0 + timedelta(days=rng.randrange(3650))
            art_rows.append(
                {
                    "id": a,
                    "sha256": f"{a:064x}",
                    "title": f"Article {a}",
                    "url": None,
                    "published": published,
                    "source": f"bench/{a}.txt",
                    "format": "seed",
                    "text": body,
                    "chars": len(body),
                }
            )
            run_rows.append(
                {
                    "id": a,
                    "article_id": a,
                    "cache_key": f"{a:064x}",
                    "backend": "bench",
                    "model": "bench",
                    "prompt_name": "bench",
                    "prompt_version": "1",
                    "prompt_sha256": "0" * 64,
                    "target": "NATO expansion",
                    "params": {},
                    "status": "ok",
                    "claims_count": per_article,
                }
            )
            speakers = rng.choices(range(1, actors + 1), weights=weights, k=per_article)
            for n, actor_id in enumerate(speakers):
                claim_id += 1
                claim_rows.append(
                    {
                        "id": claim_id,
                        "article_id": a,
                        "run_id": a,
                        "target": "NATO expansion",
                        "published": published,  # the article's (migration 0011)
                        "actor_id": actor_id,
                        "speaker": "he",
                        "quote": f"quote {n}",
                        "start": n * 20,
                        "end": n * 20 + 7,
                        "claim": f"Actor {actor_id} claim {n} in {a}.",
                        "attribution": "direct",
                        "stance": rng.choice(STANCES),
                        "confidence": round(rng.random(), 2),
                        "rationale": "",
                        "alignment": "exact",
                    }
                )
        with db.engine.begin() as conn:
            conn.execute(insert(Article), art_rows)
            conn.execute(insert(Run), run_rows)
            conn.execute(insert(Claim), claim_rows)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        if db.engine.dialect.name == "postgresql":
            for table in ("actors", "actor_aliases", "articles", "runs", "claims"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return claim_id


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median ms, min ms, last result) over `repeat` runs after one warm-up."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times), result


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        yield


def bench(db: Database, url: str, repeat: int, actors: int) -> list[tuple[str, float, float, str]]:
    from stancetrack.cli.app import main

    rows = []
    ranks = [1, 10, 100, actors // 2]
    for rank in ranks:
        name = f"Actor {rank:05d}"

        def query(name: str = name) -> int:
            with db.session() as session:
                actor = find_actor(session, name)
                return len(list_claims(session, ClaimFilter(actor_ids=[actor.id])))

        med, best, n = timed(query, repeat)
        rows.append((f"library claims --actor (rank {rank})", med, best, f"{n} claims"))

    def compare_all() -> int:
        with db.session() as session:
            return len(compare(session))

    med, best, n = timed(compare_all, repeat)
    rows.append(("library compare (all actors)", med, best, f"{n} actors"))

    def compare_some() -> int:
        with db.session() as session:
            ids = [find_actor(session, f"Actor {r:05d}").id for r in (1, 2, 3)]
            return len(compare(session, actor_ids=ids))

    med, best, n = timed(compare_some, repeat)
    rows.append(("library compare A B C (top 3)", med, best, f"{n} actors"))

    for label, args in (
        (
            f"CLI claims --actor 'Actor {100:05d}' -f json",
            ["claims", "--actor", f"Actor {100:05d}"],
        ),
        (
            f"CLI claims --actor 'Actor {actors // 2:05d}' -f json",
            ["claims", "--actor", f"Actor {actors // 2:05d}"],
        ),
        ("CLI compare -f json", ["compare"]),
    ):

        def cli(args: list[str] = args) -> int:
            with quiet():
                return main([*args, "--db", url, "--format", "json"])

        med, best, code = timed(cli, repeat)
        rows.append((label, med, best, f"exit {code}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k articles / 1M claims")
    parser.add_argument(
        "--sqlite", default=None, help="SQLite file (default: a temporary file, deleted afterwards)"
    )
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL to use instead")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the generated database")
    parser.add_argument(
        "--reuse", action="store_true", help="Time an existing --sqlite file (kept earlier)"
    )
    args = parser.parse_args()

    articles = max(10, int(100_000 * args.scale))
    actors = max(10, int(5_000 * min(1.0, args.scale * 10)))
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.postgres else "?"
        url = f"{args.postgres}{sep}options=-csearch_path%3D{schema}"

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        cleanup = drop
        where = f"PostgreSQL schema {schema}"
    else:
        path = Path(args.sqlite or Path(tempfile.mkdtemp()) / "bench.db")
        if path.exists() and not args.reuse:
            path.unlink()
        url = f"sqlite:///{path}"

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        cleanup = remove
        where = f"SQLite {path}"
    try:
        db = Database(url)
        if args.reuse and not args.postgres:
            print(f"reusing {where}", flush=True)
        else:
            t0 = time.perf_counter()
            n = generate(db, articles=articles, actors=actors, per_article=10, seed=42)
            print(
                f"generated {n:,} claims, {articles:,} articles, {actors:,} actors in "
                f"{time.perf_counter() - t0:.1f} s ({where})",
                flush=True,
            )
        print(f"{'query':52} {'median ms':>10} {'min ms':>8}  result")
        for label, med, best, note in bench(db, url, args.repeat, actors):
            print(f"{label:52} {med:10.1f} {best:8.1f}  {note}", flush=True)
        db.dispose()
    finally:
        if not args.keep:
            cleanup()
        else:
            print(f"kept: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

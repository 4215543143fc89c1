"""Benchmark `watch`: a first poll of F feeds x I items, a poll with nothing new, and the
cost of ingesting one article (store + story grouping) as the database grows.

The news site runs in its own process on 127.0.0.1 (tests/feed_server.py) serving F RSS
feeds of I items each, every item a distinct generated article page (tests/story_corpus.py).
`watch --once` runs in-process with the offline rules backend on a fresh SQLite file:

1. first poll: every feed fetched, every page downloaded, read, stored, extracted;
2. nothing-new poll: the same command again (F conditional GETs answered 304);
3. ingestion: `store_article` (outlet + story grouping) for a batch of new articles with
   0 articles stored, then again after bulk-loading N more articles with their signatures
   and band keys (random keys: all different stories, the worst case for the index size).

    .venv/bin/python bench/bench_watch.py                      # 50 feeds x 200 items
    .venv/bin/python bench/bench_watch.py --feeds 5 --items 20 --stored 20000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILLER_PER_DAY = 700  # stored articles a day before the timed ones (a large newsroom's feeds)
sys.path.insert(0, str(REPO / "tests"))


def serve(feeds: int, items: int) -> None:
    """The site (run as a child: `--serve`): prints its base URL, serves until killed."""
    from feed_server import FeedServer, Item, html_page, rss_feed
    from story_corpus import generate

    docs = generate(events=(feeds * items) // 5 + 1, copies=3, reports=1, seed=1)
    with FeedServer() as site:
        n = 0
        for f in range(feeds):
            entries = []
            for i in range(items):
                doc = docs[n]
                n += 1
                path = f"/f{f}/a{i}"
                site.page(path, html_page(doc.title, doc.text.split("\n"), canonical=doc.url))
                entries.append(Item(f"f{f}-{i}", path, doc.title))
            site.feed(f"/feed{f}", rss_feed(site.base, entries))
        print(site.base, flush=True)
        threading.Event().wait()


def poll(sources: list[str], db_url: str, per_host: int) -> tuple[float, dict[str, object]]:
    from stancetrack.settings import load_settings
    from stancetrack.tracking.poller import PollOptions
    from stancetrack.tracking.watch import watch

    settings = load_settings(database_url=db_url, backend="rules")
    options = PollOptions(
        interval=300, max_bytes=settings.max_file_bytes, per_host=per_host, workers=8
    )
    got: list[dict[str, object]] = []
    t0 = time.perf_counter()
    watch(sources, settings, options, once=True, on_poll=lambda s: got.append(s.as_json()))
    return time.perf_counter() - t0, got[-1]


def _bulk_load(db: object, stored: int) -> None:
    """`stored` filler articles with signatures and band keys (random: all different
    stories, the most band rows an index of this size can hold), dated back from today at
    FILLER_PER_DAY articles a day (band keys are filed by their article's week)."""
    from sqlalchemy import insert

    from stancetrack.db.models import Article, StoryBand, StorySignature
    from stancetrack.db.repository.stories import week_of
    from stancetrack.ingest.fingerprint import BANDS, NUM_PERM

    today = datetime.now(UTC).date()

    def day(k: int) -> date:
        return today - timedelta(days=(stored - k) // FILLER_PER_DAY)

    rng = random.Random(5)
    done = 0
    while done < stored:
        n = min(5000, stored - done)
        with db.session() as session:  # type: ignore[attr-defined]
            conn = session.connection()
            first = 10_000_000 + done
            conn.execute(
                insert(Article),
                [
                    {
                        "id": first + k,
                        "sha256": f"{rng.getrandbits(256):064x}",
                        "title": "filler",
                        "url": f"https://filler{k % 50}.example.com/{first + k}",
                        "outlet": f"filler{k % 50}.example.com",
                        "story_id": first + k,
                        "published": day(done + k),
                        "source": f"filler/{first + k}",
                        "format": "json",
                        "text": "filler",
                        "chars": 6,
                    }
                    for k in range(n)
                ],
            )
            conn.execute(
                insert(StorySignature),
                [
                    {"article_id": first + k, "signature": rng.randbytes(4 * NUM_PERM)}
                    for k in range(n)
                ],
            )
            conn.execute(
                insert(StoryBand),
                [
                    {
                        "week": week_of(day(done + k)),
                        "key": rng.getrandbits(63),
                        "article_id": first + k,
                    }
                    for k in range(n)
                    for _ in range(BANDS)
                ],
            )
        done += n


def ingestion(tmp: str, stored: int, batch: int, rounds: int = 10) -> tuple[float, float]:
    """Median ms per article of store_article (row, outlet, story) into an empty database
    and into one holding `stored` articles, interleaved in `rounds` so that the load of
    this shared machine weighs on both alike."""
    import statistics

    from story_corpus import generate

    from stancetrack.db import Database
    from stancetrack.db.repository.articles import store_article
    from stancetrack.ingest.readers import read_bytes

    small = Database(f"sqlite:///{tmp}/small.db")
    big = Database(f"sqlite:///{tmp}/big.db")
    _bulk_load(big, stored)
    docs = generate(events=(2 * batch) // 5 + 1, copies=3, reports=1, seed=99)
    inputs = [
        read_bytes(
            d.name, json.dumps({"title": d.title, "text": d.text, "url": d.url}).encode(), ".json"
        )[0]
        for d in docs[: 2 * batch]
    ]
    per = batch // rounds
    times: dict[str, list[float]] = {"small": [], "big": []}
    for r in range(rounds):
        for name, db, part in (
            ("small", small, inputs[r * per : (r + 1) * per]),
            ("big", big, inputs[batch + r * per : batch + (r + 1) * per]),
        ):
            t0 = time.perf_counter()
            for item in part:
                with db.session() as session:
                    store_article(session, item)
            times[name].append((time.perf_counter() - t0) * 1000 / len(part))
    small.dispose()
    big.dispose()
    return statistics.median(times["small"]), statistics.median(times["big"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--per-host", type=int, default=8, help="downloads at once per host")
    parser.add_argument("--stored", type=int, default=100_000, help="articles bulk-loaded")
    parser.add_argument("--batch", type=int, default=200, help="articles timed per size")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only-ingest", action="store_true", help="skip the two polls")
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.items)
        return 0
    if not args.only_ingest:
        polls(args)
    with tempfile.TemporaryDirectory() as tmp:
        ms0, ms1 = ingestion(tmp, args.stored, args.batch)
    print(
        f"ingest (store + outlet + story), {args.batch} articles per database, interleaved: "
        f"{ms0:.2f} ms/article into an empty database, {ms1:.2f} ms/article with "
        f"{args.stored} stored (ratio {ms1 / ms0:.2f})"
    )
    print(
        f"conditions: python {sys.version.split()[0]}, {os.cpu_count()} cores (shared), "
        f"load {os.getloadavg()[0]:.1f}"
    )
    return 0


def polls(args: argparse.Namespace) -> None:
    from stancetrack.tracking.sources import Source

    site = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--feeds",
            str(args.feeds),
            "--items",
            str(args.items),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        sources = [Source(f"{base}/feed{f}", "feed") for f in range(args.feeds)]
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite:///{tmp}/watch.db"
            first, s1 = poll(sources, db_url, args.per_host)
            again, s2 = poll(sources, db_url, args.per_host)
            counts = {k: v for k, v in s1.items() if k != "sources"}
            print(f"first poll   {args.feeds} feeds x {args.items} items: {first:8.2f} s  {counts}")
            print(
                f"nothing new  {args.feeds} conditional GETs:        {again:8.2f} s  "
                f"statuses {sorted({str(s['status']) for s in s2['sources']})}  "  # type: ignore[union-attr, index]
                f"({again / first:.4f} of the first poll)"
            )
            assert s2["articles"] == 0
    finally:
        site.kill()
        site.wait()


if __name__ == "__main__":
    raise SystemExit(main())

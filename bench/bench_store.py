"""Benchmark the database side of `extract` alone: `Store.write_reply` for N articles.

Reads N seed-format files (bench_extract's corpus) as the batch's reader does and skip-checks
them through `Store.done_keys`, then stores
one validated reply (the fixture's 15 gold claims) per article, each in its own transaction
on a fresh SQLite file, in this process: grounding, actor resolution, the article row, the
run, the claims. Prints wall and CPU milliseconds per article for both phases.

    .venv/bin/python bench/bench_store.py            # N=1000
    .venv/bin/python bench/bench_store.py -n 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_extract import FIXTURES, SOURCE_STEM, write_corpus

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.llm.base import BackendReply, PromptInfo
from stancetrack.llm.replies import parse_reply
from stancetrack.pipeline.messages import Provenance, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="articles (default 1000)")
    args = parser.parse_args()
    n = args.n
    raw = (FIXTURES / "gold" / f"{SOURCE_STEM}.json").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        write_corpus(corpus, n)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        provenance = Provenance("openai", "m", "host", PromptInfo("p", "1", "0" * 64), 0.0, 1, {})
        target = "NATO expansion"
        config = StoreConfig(url, target, provenance, False, utcnow())
        store = Store(config, db)

        t0, c0 = time.perf_counter(), time.process_time()
        work: list[Work] = []
        items = [
            i for i in iter_inputs([str(corpus)], max_bytes=10**7) if isinstance(i, ArticleInput)
        ]
        for start in range(0, len(items), 16):
            chunk = [
                Work(i, cache_key(i.sha256, provenance.prompt.sha256, provenance.model, target))
                for i in items[start : start + 16]
            ]
            done = store.done_keys([w.cache_key for w in chunk])
            work += [w for w in chunk if w.cache_key not in done]
        read_wall, read_cpu = time.perf_counter() - t0, time.process_time() - c0

        t0, c0 = time.perf_counter(), time.process_time()
        for item in work:
            reply = BackendReply(
                claims=parse_reply(raw).claims,
                raw_reply=raw,
                output_mode="json_schema",
                prompt_tokens=1,
                completion_tokens=1,
                attempts=1,
                latency_ms=1.0,
            )
            outcome = store.write_reply(item, reply, utcnow(), 1.0)
            if outcome.status != "ok":  # a benchmark of failures measures nothing
                raise SystemExit(f"bench_store: an article was not stored: {outcome.error}")
        write_wall, write_cpu = time.perf_counter() - t0, time.process_time() - c0
        db.dispose()
    print(f"articles    {len(work)} of {n}")
    phases = (("read+check", read_wall, read_cpu), ("write_reply", write_wall, write_cpu))
    for name, wall, cpu in phases:
        print(f"{name} {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU per article")
    return 0


if __name__ == "__main__":
    sys.exit(main())

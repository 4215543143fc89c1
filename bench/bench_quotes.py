"""Benchmark storing quote-dense articles, and the per-article CPU of the storing stages.

Quote-dense: an article of N quoted lines ('"...," Putin said.', 'Lavrov said: "..."', a
pronoun, a name only nearby; a handful of speakers), its claims found by the rules backend
(timed apart), then stored by `Store.write_reply` on a fresh SQLite file in this process:
grounding, speaker evidence, actor resolution, the story fingerprint, the rows. Issue 20:
grounding and speaker evidence compared every mention with every cue for every quote
(2,000 lines took 95 s); the target is 2,000 lines in under 15 s, and 4x the quotes at
most ~4.5x the time.

Stages: for a 3.5 KB and a 6.5 KB PolNeAR dev text (../shared/eval/polnear-dev/text, else
the longest fixture), the CPU milliseconds of `ground_reply` (grounding + speaker
evidence), `fingerprint` (the MinHash of `assign_story`) and the whole `write_reply`, the
median of --repeat runs.

One line: the PolNeAR dev texts (else the fixtures) joined with spaces into one line,
repeated to --one-line-bytes (default 4,990,000: under the 5,000,000-byte input limit), run
through the whole `stancetrack extract --backend rules` in a fresh process on a fresh SQLite
file (target: finishes, or is refused with a clear error, within 60 s).

Run it with the code to measure first on the path (the "before" figures in BENCHMARKS.md
come from an export of the previous commit)::

    PYTHONPATH=$PWD .venv/bin/python bench/bench_quotes.py                 # 500 2000 20000
    PYTHONPATH=$PWD .venv/bin/python bench/bench_quotes.py --lines 500 2000 --stages
    PYTHONPATH=$PWD .venv/bin/python bench/bench_quotes.py --lines --one-line
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.ingest.fingerprint import fingerprint
from stancetrack.llm.base import BackendReply, ExtractionRequest, PromptInfo
from stancetrack.llm.rules import RulesBackend
from stancetrack.pipeline.grounded import ground_reply
from stancetrack.pipeline.messages import Provenance, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key

REPO = Path(__file__).resolve().parents[1]
POLNEAR = REPO.parent / "shared" / "eval" / "polnear-dev" / "text"
TARGET = "NATO expansion"
SPEAKERS = (
    ("Vladimir Putin", "Putin"),
    ("Sergey Lavrov", "Lavrov"),
    ("Jens Stoltenberg", "Stoltenberg"),
    ("Sanna Marin", "Marin"),
    ("Recep Tayyip Erdogan", "Erdogan"),
    ("Ulf Kristersson", "Kristersson"),
)
_SENTENCE = (
    "the alliance will never accept further expansion to the east and its security"
    " guarantees for Finland and Sweden are a matter for the summit not for Moscow"
)
WORDS = tuple(re.findall(r"\w+", _SENTENCE))


def quote_dense(lines: int, seed: int = 20) -> str:
    """An article of `lines` quoted lines, each attributed in one of four ways, most of
    them to one speaker (every quote then has that speaker's mentions all over the text)."""
    rng = random.Random(seed)
    out = [f"{full} and {SPEAKERS[1][0]} met on Monday." for full, _ in SPEAKERS[:1]]
    for i in range(lines):
        # One main speaker, as in a long interview or a transcript; others now and then.
        full, surname = SPEAKERS[0] if i % 10 else SPEAKERS[i // 10 % len(SPEAKERS)]
        quote = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
        shape = i % 4
        if shape == 0:
            out.append(f'"{quote}," {surname} said.')
        elif shape == 1:
            out.append(f'{full} told reporters: "{quote}."')
        elif shape == 2:
            out.append(f'"{quote}," he said.')
        else:
            out.append(f'"{quote}," said {surname}, speaking in Brussels.')
    return "\n".join(out) + "\n"


class _Db:
    """One SQLite file in `tmp` and a Store writing to it, as `extract` has them."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.url = f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.db'}"
        self.db = Database(self.url)
        provenance = Provenance("rules", "rules-v1", "h", PromptInfo("p", "1", "0" * 64), 0, 1, {})
        self.store = Store(StoreConfig(self.url, TARGET, provenance), self.db)
        # Wall time inside the database transactions (BEGIN to COMMIT): what holds the lock.
        self.in_transaction = 0.0
        self._began = 0.0
        event.listen(self.db.engine, "begin", self._begin)
        event.listen(self.db.engine, "commit", self._commit)

    def _begin(self, _conn: object) -> None:
        self._began = time.perf_counter()

    def _commit(self, _conn: object) -> None:
        self.in_transaction += time.perf_counter() - self._began

    def write(self, text: str, reply: BackendReply) -> tuple[float, float]:
        """Wall and CPU seconds of storing one article's reply."""
        path = self.tmp / "article.txt"
        path.write_text(text, encoding="utf-8")
        inputs = iter_inputs([str(path)], max_bytes=10**8)
        item = next(i for i in inputs if isinstance(i, ArticleInput))
        work = Work(item, cache_key(item.sha256, "0" * 64, "rules-v1", TARGET))
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = self.store.write_reply(work, reply, utcnow(), 1.0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if outcome.status != "ok":
            raise SystemExit(f"bench_quotes: the article was not stored: {outcome.error}")
        return wall, cpu


def _rules(text: str) -> tuple[BackendReply, float]:
    cpu = time.process_time()
    reply = asyncio.run(RulesBackend().extract(ExtractionRequest("", text, TARGET)))
    return reply, time.process_time() - cpu


def quotes(sizes: list[int]) -> None:
    print("lines   claims  rules CPU s  store wall s  store CPU s")
    with tempfile.TemporaryDirectory() as tmp:
        for lines in sizes:
            text = quote_dense(lines)
            reply, rules_cpu = _rules(text)
            db = _Db(Path(tmp))
            db.write("A short warm-up article, nothing quoted in it at all.\n", _rules("")[0])
            wall, cpu = db.write(text, reply)
            db.db.dispose()
            print(
                f"{lines:>6} {len(reply.claims):>7} {rules_cpu:>12.2f} {wall:>13.2f} {cpu:>12.2f}"
            )


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up: caches, imports
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        run()
        times.append((time.process_time() - cpu) * 1000)
    return statistics.median(times)


def _texts() -> list[str]:
    if POLNEAR.is_dir():
        pool = [p.read_text(encoding="utf-8") for p in sorted(POLNEAR.glob("*.txt"))]
    else:
        pool = [p.read_text(encoding="utf-8") for p in (REPO / "fixtures" / "articles").glob("*")]
    return [min(pool, key=lambda t: abs(len(t.encode()) - size)) for size in (3500, 6500)]


def stages(repeat: int) -> None:
    print(
        "bytes  claims  ground_reply ms  fingerprint ms  write_reply ms  (CPU, median)"
        "  in transaction ms (wall, mean)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for text in _texts():
            reply, _cpu = _rules(text)
            ground = _median_ms(lambda: ground_reply(text, reply), repeat)  # noqa: B023
            minhash = _median_ms(lambda: fingerprint(text), repeat)  # noqa: B023
            db = _Db(Path(tmp))
            db.write(text + "\nwarm-up\n", reply)
            db.in_transaction = 0.0
            # Another article each time (one line added after the last claim's window).
            store = statistics.median(
                db.write(text + f"\nrun {i}\n", reply)[1] * 1000 for i in range(repeat)
            )
            held = db.in_transaction * 1000 / repeat
            db.db.dispose()
            print(
                f"{len(text.encode()):>5} {len(reply.claims):>7} {ground:>16.2f}"
                f" {minhash:>15.2f} {store:>15.2f} {held:>16.2f}"
            )


def one_line(size: int) -> None:
    """`stancetrack extract --backend rules` of one single-line article of `size` bytes."""
    pool = sorted(POLNEAR.glob("*.txt")) or sorted((REPO / "fixtures" / "articles").glob("*"))
    joined = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in pool)
    data = (joined + " ") * (size // (len(joined.encode()) + 1) + 1)
    data = data.encode()[:size].decode("utf-8", "ignore").rsplit(" ", 1)[0] + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one_line.txt"
        path.write_text(data, encoding="utf-8")
        command = [sys.executable, "-m", "stancetrack", "extract", str(path), "--backend"]
        command += ["rules", "--db", f"sqlite:///{tmp}/x.db", "--format", "json"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("STANCETRACK_")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"one line of {len(data.encode()):,} bytes:")
    print(
        f"  exit {done.returncode}, wall {wall:.1f} s, user {after.ru_utime - before.ru_utime:.1f}"
        f" s, sys {after.ru_stime - before.ru_stime:.1f} s"
    )
    print("  " + (done.stdout.strip().replace("\n", " ") or done.stderr.strip()[-300:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="*", default=[500, 2000, 20000])
    parser.add_argument("--stages", action="store_true", help="also the per-article stages")
    parser.add_argument("--repeat", type=int, default=50, help="stage runs (median)")
    parser.add_argument("--one-line", action="store_true", help="also the one-line article")
    parser.add_argument("--one-line-bytes", type=int, default=4_990_000)
    args = parser.parse_args()
    if args.lines:
        quotes(args.lines)
    if args.stages:
        stages(args.repeat)
    if args.one_line:
        one_line(args.one_line_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

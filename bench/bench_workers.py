"""Benchmark scale-out: queue workers against one `extract`, and the Batch API at volume.

1. Workers: N generated articles, the stub server (its own process) answering every chat
   request after L seconds. A single `stancetrack extract --concurrency C` into a fresh
   PostgreSQL schema is the baseline; then `extract --queue` (not timed) and K worker
   processes (`stancetrack worker --concurrency C --until-empty`) for K in 1, 2, 4, each on a
   fresh schema. Wall time from starting the processes until the last one exits (process
   start-up included), and the steady span from the first run's start to the last run's
   end (start-up excluded: on a loaded machine it dominates small runs): articles/s over
   the span, and both ratios against the baseline.
2. Batch API: M generated articles (JSONL files) through `extract --batch-api` (build +
   upload) and `batches collect --wait` (download + store), each a fresh process on SQLite;
   wall time and the process's peak RSS (wait4), at M and at M/10: flat memory means the
   two peaks match while the work grows tenfold.

Usage (from the repository root, PostgreSQL at STANCETRACK_TEST_PG_URL or the default)::

    python bench/bench_workers.py                          # N=400 L=0.2 C=8; M=100000
    python bench/bench_workers.py -n 200 --batch-m 20000   # smaller
    python bench/bench_workers.py --skip-batch / --skip-workers
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
sys.path.insert(0, str(TESTS))

from generated_corpus import SPEAKERS, quote, write_corpus  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PG_URL = os.environ.get(
    "STANCETRACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENV = {**os.environ, "OPENAI_API_KEY": "bench", "STANCETRACK_MODEL": "stub-model"}


@contextlib.contextmanager
def stub_running(latency: float) -> Iterator[str]:
    """The stub in its own process, answering generated articles with their claim."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from generated_corpus import responder\n"
        "from stub_server import StubServer\n"
        f"with StubServer(default=responder(), latency={latency!r}) as s:\n"
        "    print(s.base_url, flush=True)\n"
        "    sys.stdin.read()\n"
    )
    stub = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert stub.stdout is not None
        yield stub.stdout.readline().strip()
    finally:
        if stub.stdin:
            stub.stdin.close()
        stub.wait(timeout=30)


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def stancetrack(*args: str) -> list[str]:
    return [sys.executable, "-m", "stancetrack", *args]


def run_timed(commands: list[list[str]]) -> tuple[float, list[int]]:
    """Start the commands together; wall time until all have exited, and each peak RSS (KB)."""
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(c, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for c in commands
    ]
    peaks: list[int] = []
    for proc in procs:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            assert proc.stderr is not None
            raise RuntimeError(f"{commands[procs.index(proc)][3:5]}: {proc.stderr.read()!r}")
        peaks.append(int(usage.ru_maxrss))
    return time.perf_counter() - t0, peaks


def ok_runs(url: str) -> tuple[int, float]:
    """Successful runs, and the seconds from the first one's start to the last one's end
    (the steady-state span: process start-up, imports and migrations left out)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count, first, last = conn.execute(
                text(
                    "SELECT count(*), min(started_at), max(finished_at) FROM runs WHERE status='ok'"
                )
            ).one()
    finally:
        engine.dispose()
    return int(count), (last - first).total_seconds() if count else 0.0


def figures(n: int, wall: float, span: float, base: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "wall_s": round(wall, 2),
        "steady_s": round(span, 2),
        "articles_per_s": round(n / span, 1),
    }
    if base is not None:
        out["throughput_vs_extract"] = round(base["steady_s"] / span, 2)
        out["wall_vs_extract"] = round(base["wall_s"] / wall, 2)
    return out


def bench_workers(n: int, latency: float, concurrency: int) -> dict[str, Any]:
    out: dict[str, Any] = {"n": n, "latency_s": latency, "concurrency_per_process": concurrency}
    with tempfile.TemporaryDirectory() as tmp, stub_running(latency) as base_url:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, n)
        common = ["--base-url", base_url, "--concurrency", str(concurrency)]
        with fresh_schema() as url:
            wall, _ = run_timed([stancetrack("extract", str(corpus), "--db", url, *common)])
            count, span = ok_runs(url)
            assert count == n
        out["extract"] = figures(n, wall, span, None)
        print(json.dumps({"extract": out["extract"]}), file=sys.stderr)
        for workers in (1, 2, 4):
            with fresh_schema() as url:
                queued = subprocess.run(
                    stancetrack(
                        "extract",
                        str(corpus),
                        "--queue",
                        "--db",
                        url,
                        "-f",
                        "json",
                        "--base-url",
                        base_url,
                    ),
                    env=ENV,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                assert json.loads(queued.stdout)["queued"] == n
                wall, _ = run_timed(
                    [
                        stancetrack("worker", "--db", url, "--until-empty", *common)
                        for _ in range(workers)
                    ]
                )
                count, span = ok_runs(url)
                assert count == n, "a worker left articles unextracted"
            out[f"workers_{workers}"] = figures(n, wall, span, out["extract"])
            print(json.dumps({f"workers_{workers}": out[f"workers_{workers}"]}), file=sys.stderr)
    return out


def write_jsonl(folder: Path, m: int, per_file: int = 10_000) -> None:
    """M articles as JSONL files (each under the 5 MB input limit)."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, m, per_file):
        with open(folder / f"part_{start:06d}.jsonl", "w", encoding="utf-8") as out:
            for i in range(start, min(start + per_file, m)):
                record = {
                    "title": f"GEN-{i:05d} envoys on enlargement",
                    "text": (
                        f"Envoy Maria Number{i % SPEAKERS} spoke in Brussels.\n"
                        f"{quote(i)}, she added."
                    ),
                    "url": f"https://example.org/gen/{i}",
                    "published": "2024-03-01",
                }
                out.write(json.dumps(record) + "\n")


def bench_batch(m: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in (m // 10, m):
        with tempfile.TemporaryDirectory() as tmp, stub_running(0.0) as base_url:
            corpus = Path(tmp) / "corpus"
            write_jsonl(corpus, size)
            url = f"sqlite:///{Path(tmp) / 'batch.db'}"
            common = ["--base-url", base_url, "--db", url]
            submit_s, (submit_kb,) = run_timed(
                [stancetrack("extract", str(corpus), "--batch-api", *common)]
            )
            collect_s, (collect_kb,) = run_timed(
                [stancetrack("batches", "collect", "--wait", "--poll", "0.2", *common)]
            )
            engine = create_engine(url)
            with engine.connect() as conn:
                stored = int(
                    conn.execute(text("SELECT count(*) FROM runs WHERE status='ok'")).scalar_one()
                )
            engine.dispose()
            assert stored == size, f"{stored} of {size} stored"
        out[str(size)] = {
            "submit_s": round(submit_s, 1),
            "submit_peak_rss_mb": round(submit_kb / 1024, 1),
            "collect_s": round(collect_s, 1),
            "collect_peak_rss_mb": round(collect_kb / 1024, 1),
            "collect_per_article_ms": round(collect_s / size * 1000, 2),
        }
        print(json.dumps({str(size): out[str(size)]}), file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="articles for the worker runs")
    parser.add_argument("-l", "--latency", type=float, default=0.2)
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("--batch-m", type=int, default=100_000)
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    if not args.skip_workers:
        result["workers"] = bench_workers(args.n, args.latency, args.concurrency)
    if not args.skip_batch:
        result["batch_api"] = bench_batch(args.batch_m)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

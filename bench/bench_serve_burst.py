"""Benchmark `serve` under a burst of posted articles, against `extract` in the same run.

A real `stancetrack serve` process (rules backend, so no model wait) gets N distinct
articles POSTed from T threads; measured: POST latency (p50, p99), and the time until every
article has a run (articles/s). The baseline is `stancetrack extract` of the same articles
as files into a fresh database of the same kind, timed in the same run: the same engine
without HTTP, so the ratio says what the service's queue costs.

Usage (from the repository root)::

    .venv/bin/python bench/bench_serve_burst.py                      # SQLite, N=200, T=20
    .venv/bin/python bench/bench_serve_burst.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
FIXTURES = sorted((REPO / "fixtures" / "articles").glob("*.txt"))
BODIES = [p.read_text(encoding="utf-8").split("\n", 3)[3] for p in FIXTURES]
TOKEN = "bench-token"


def article(i: int) -> dict[str, str]:
    return {"title": f"Burst {i}", "text": f"Dispatch {i}.\n{BODIES[i % len(BODIES)]}"}


def fresh_db(kind: str, workdir: Path) -> tuple[str, Any]:
    """A new empty database: a SQLite file, or a PostgreSQL schema (dropped afterwards)."""
    if kind.startswith("sqlite"):
        return f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(kind)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{kind}?options=-csearch_path%3D{schema}"
    return url, (admin, schema)


def drop(handle: Any) -> None:
    if handle is None:
        return
    admin, schema = handle
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def runs(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(DISTINCT article_id) FROM runs")).scalar_one()
            )
    finally:
        engine.dispose()


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STANCETRACK_"))}
    return {**out, "STANCETRACK_API_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}


def burst(url: str, n: int, threads: int, workdir: Path) -> dict[str, Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (workdir / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "stancetrack", "serve", "--port", str(port), "--db", url],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{base}/api/articles", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        latencies: list[float] = []
        codes: list[int] = []

        def send(k: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for i in range(k, n, threads):
                    t0 = time.perf_counter()
                    reply = client.post(
                        "/api/articles",
                        json=article(i),
                        headers={"Authorization": f"Bearer {TOKEN}"},
                    )
                    latencies.append(time.perf_counter() - t0)
                    codes.append(reply.status_code)

        t0 = time.perf_counter()
        workers = [threading.Thread(target=send, args=(k,)) for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        posted = time.perf_counter() - t0
        while runs(url) < n and time.perf_counter() - t0 < 300:
            time.sleep(0.2)
        done = time.perf_counter() - t0
        extracted = runs(url)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    latencies.sort()
    return {
        "n": n,
        "threads": threads,
        "codes": sorted(set(codes)),
        "extracted": extracted,
        "post_s": round(posted, 2),
        "all_extracted_s": round(done, 2),
        "articles_per_s": round(extracted / done, 1),
        "post_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "post_p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
    }


def extract_baseline(url: str, n: int, workdir: Path) -> dict[str, Any]:
    folder = workdir / f"files-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:05d}.json").write_text(json.dumps(article(i)), encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "stancetrack", "extract", str(folder), "--db", url, "-f", "json"],
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    return {"n": n, "wall_s": round(wall, 2), "articles_per_s": round(n / wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL URL")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("-t", "--threads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    out: dict[str, Any] = {"db": args.db.split("@")[-1], "rounds": []}
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        workdir = Path(tmp)
        for round_ in range(args.rounds):
            url, handle = fresh_db(args.db, workdir)
            try:
                served = burst(url, args.n, args.threads, workdir)
            finally:
                drop(handle)
            url, handle = fresh_db(args.db, workdir)
            try:
                baseline = extract_baseline(url, args.n, workdir)
            finally:
                drop(handle)
            ratio = round(served["articles_per_s"] / baseline["articles_per_s"], 2)
            row = {"round": round_ + 1, "serve": served, "extract": baseline, "ratio": ratio}
            out["rounds"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

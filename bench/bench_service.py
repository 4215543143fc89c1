#!/usr/bin/env python3
"""Load-test `stancetrack serve`: 64 concurrent clients against the API's common reads.

Generates the database with bench_queries.py's generator (scale 1.0: 1,000,000 claims,
100,000 articles, 5,000 Zipf-distributed actors), starts the real server (`stancetrack serve`,
one uvicorn process) on 127.0.0.1, then for each read runs CLIENTS concurrent clients
(asyncio + httpx, one connection each, in this process) for SECONDS and reports requests per
second and p50/p99 latency. A floor read (`/api/runs?limit=1`: one indexed row) measured in
the same run gives the server's own overhead; the other reads are also shown as its ratio.

    .venv/bin/python bench/bench_service.py                          # SQLite, 1M claims
    .venv/bin/python bench/bench_service.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_service.py --scale 0.1 --seconds 10  # quick look

The client shares the machine with the server: on 2 cores it takes a good part of one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_queries import generate

from stancetrack.db import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("stancetrack")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", url, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # one log line per request: not what is measured here
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/runs?limit=1", timeout=5).is_success:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start")


async def load(
    base: str, path: str, clients: int, seconds: float
) -> tuple[int, list[float], Counter[str]]:
    """CLIENTS tasks request `path` back to back for SECONDS: (ok, latencies ms, errors by
    kind: HTTP status or exception class)."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one() -> None:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    response = await client.get(path)
                    kind = str(response.status_code)
                except httpx.HTTPError as exc:
                    kind = type(exc).__name__
                if kind == "200":
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors[kind] += 1

        await asyncio.gather(*(one() for _ in range(clients)))
    return len(latencies), latencies, errors


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def reads(base: str, actors: int) -> list[tuple[str, str]]:
    top5 = "&".join(f"actor=Actor%20{r:05d}" for r in (1, 2, 3, 10, 100))
    page2 = httpx.get(f"{base}/api/claims?actor=Actor%2000010&limit=50", timeout=120).json()
    cursor = page2["next"]
    # Heavy reads last: requests a client gave up on (60 s) still run in the server and
    # would slow the reads measured after them.
    return [
        ("floor: /api/runs?limit=1", "/api/runs?limit=1"),
        (
            f"actor claims page: rank {actors // 2} (median actor), limit=50",
            f"/api/claims?actor=Actor%20{actors // 2:05d}&limit=50",
        ),
        ("actor claims page: rank 100, limit=50", "/api/claims?actor=Actor%2000100&limit=50"),
        ("compare of 5 actors (ranks 1,2,3,10,100)", f"/api/compare?{top5}"),
        ("diff of two articles", "/api/diff?a=1000&b=2000"),
        ("actor claims page: rank 10, limit=50", "/api/claims?actor=Actor%2000010&limit=50"),
        (
            "actor claims page 2 (cursor): rank 10, limit=50",
            f"/api/claims?actor=Actor%2000010&limit=50&cursor={cursor}",
        ),
        ("overview: /api/compare?limit=50 (top 50 actors)", "/api/compare?limit=50"),
        ("actor claims page: rank 1, limit=50", "/api/claims?actor=Actor%2000001&limit=50"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k articles / 1M claims")
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL (else SQLite)")
    parser.add_argument("--sqlite", default=None, help="SQLite file (default: temporary)")
    parser.add_argument("--reuse", action="store_true", help="Use an existing --sqlite file")
    parser.add_argument("--keep", action="store_true", help="Keep the generated database")
    parser.add_argument("--url", default=None, help="An existing generated database, as is")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--only", default=None, help="Run only reads whose label contains this")
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers N`")
    args = parser.parse_args()

    articles = max(10, int(100_000 * args.scale))
    actors = max(10, int(5_000 * min(1.0, args.scale * 10)))
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if args.url:
        url = args.url
        args.reuse = True
    elif args.postgres:
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
    else:
        path = Path(args.sqlite or Path(tempfile.mkdtemp()) / "bench.db")
        if path.exists() and not args.reuse:
            path.unlink()
        url = f"sqlite:///{path}"

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        cleanup = remove
    server = None
    try:
        t0 = time.perf_counter()
        Database(url).dispose()  # migrate a database generated by an older schema first
        print(f"database ready (migrations) in {time.perf_counter() - t0:.0f} s", flush=True)
        if not args.reuse:
            db = Database(url)
            t0 = time.perf_counter()
            n = generate(db, articles=articles, actors=actors, per_article=10, seed=42)
            db.dispose()
            print(f"generated {n:,} claims in {time.perf_counter() - t0:.0f} s", flush=True)
        port = free_port()
        server = start_server(url, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        print(
            f"{'read':52} {'req/s':>7} {'x floor':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
            f"   ({args.clients} clients, {args.seconds:.0f} s each, {os.cpu_count()} cores, "
            f"{args.workers} server process(es))",
            flush=True,
        )
        floor = None
        for label, path in reads(base, actors):
            if args.only and args.only not in label and not label.startswith("floor"):
                continue
            asyncio.run(load(base, path, args.clients, min(3.0, args.seconds)))  # warm-up
            ok, lat, errors = asyncio.run(load(base, path, args.clients, args.seconds))
            rate = ok / args.seconds
            floor = floor or rate
            kinds = ", ".join(f"{k} x{n}" for k, n in errors.most_common())
            print(
                f"{label:52} {rate:7.1f} {rate / floor:7.2f} {pct(lat, 0.50):7.1f} "
                f"{pct(lat, 0.99):7.1f} {errors.total():6d}" + (f"  ({kinds})" if kinds else ""),
                flush=True,
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if args.keep:
            print(f"kept: {url}")
        else:
            cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

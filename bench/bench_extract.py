"""Benchmark `extract`: N articles against the stub server with reply latency L at concurrency C.

The whole pipeline runs as in `stancetrack extract DIR`: files read and stored, skip check,
the real OpenAI backend (openai SDK over HTTP) talking to tests/stub_server.py in its own
process, validation, grounding, actor resolution, one transaction per article on SQLite.

Measured, each in a fresh process (so peak memory figures are per run):

- throughput: wall time vs the ideal N*L/C (ratio = ideal / wall; 1.0 is perfect);
- overhead: the same batch with L=0, wall/N = the cost of everything but the wait
  (the stub, on the other core, answers at once);
- memory: peak traced Python heap (tracemalloc) and peak RSS at two N, which should match.

Usage (from the repository root)::

    .venv/bin/python bench/bench_extract.py                      # N=1000 L=0.2 C=32, + checks
    .venv/bin/python bench/bench_extract.py -n 200 -l 0.05 -c 16 --memory-n 100 400
    .venv/bin/python bench/bench_extract.py --json               # machine-readable

Targets (issue 3): ratio >= 0.9 at N=1000, L=200 ms, C=32; overhead <= 5 ms/article;
memory flat in N.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SOURCE_STEM = "002_finland_sweden_no_application"  # 2 KB, 15 gold claims


def write_corpus(directory: Path, n: int) -> None:
    """N distinct seed-format articles (the fixture's body under a unique title)."""
    lines = (FIXTURES / "articles" / f"{SOURCE_STEM}.txt").read_text(encoding="utf-8")
    body = "\n".join(lines.splitlines()[3:])
    for i in range(n):
        (directory / f"a{i:06d}.txt").write_text(
            f"Bench article {i}\n20220105\nhttps://example.com/bench/{i}\n"
            f"Paragraph {i} of the benchmark corpus.\n{body}\n",
            encoding="utf-8",
        )


def timing(n: int, latency: float, concurrency: int, wall: float, cold: bool) -> dict[str, Any]:
    """The figures every measurement reports: wall time against the ideal N*L/C."""
    ideal = n * latency / concurrency
    return {
        "n": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "mode_known": not cold,
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(ideal / wall, 3) if ideal else None,
        "per_article_ms": round(wall / n * 1000, 3),
        "overhead_ms_per_article": round((wall - ideal) / n * 1000, 3),
    }


def known_modes(base_url: str, store: Any) -> Any:
    """Record the stub's output mode, as a run before this one against it would have."""
    from stancetrack.llm.openai_backend import endpoint_host

    store.set(endpoint_host(base_url), "stub-model", "json_schema")
    return store


@contextlib.contextmanager
def stub_running(latency: float) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The stub server in its own process (it must not share our GIL); (process, URL)."""
    code = (
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(REPO / 'tests')!r})\n"
        "from stub_server import StubServer\n"
        f"reply = json.load(open({str(FIXTURES / 'gold' / (SOURCE_STEM + '.json'))!r}))\n"
        f"with StubServer(default=lambda _b: reply, latency={latency!r}) as s:\n"
        "    print(s.base_url, flush=True)\n"
        "    sys.stdin.read()\n"
    )
    stub = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert stub.stdout is not None
        yield stub, stub.stdout.readline().strip()
    finally:
        if stub.stdin:
            stub.stdin.close()
        stub.wait(timeout=10)


def public_api_backend(settings: Any, modes: Any) -> Any:
    """The OpenAI backend with its one bypass (`_request`, a pre-encoded body posted as
    bytes) replaced by the SDK's public `chat.completions.with_raw_response.create`: kept
    here to measure what the bypass is worth (`--compare-send`)."""
    import openai
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.chat.completion_create_params import ResponseFormat

    from stancetrack.llm.modes import JSON_OBJECT, JSON_SCHEMA
    from stancetrack.llm.openai_backend import SCHEMA_NAME, OpenAIBackend
    from stancetrack.schemas import reply_json_schema

    schema = reply_json_schema()
    strict: ResponseFormat = {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
    }
    # llama.cpp's schema inside json_object is no field of the SDK's types: extra_body.
    loose: dict[str, object] = {"response_format": {"type": "json_object", "schema": schema}}
    formats: dict[str, tuple[ResponseFormat, dict[str, object] | None]] = {
        JSON_SCHEMA: (strict, None),
        JSON_OBJECT: ({"type": "json_object"}, loose),
    }

    def typed(message: dict[str, str]) -> ChatCompletionMessageParam:
        role, content = message["role"], message["content"]
        if role == "system":
            return {"role": "system", "content": content}
        if role == "assistant":
            return {"role": "assistant", "content": content}
        return {"role": "user", "content": content}

    class PublicApi(OpenAIBackend):
        async def _request(
            self, client: AsyncOpenAI, messages: list[dict[str, str]], mode: str
        ) -> bytes:
            limit = self.max_tokens if self.max_tokens is not None else openai.omit
            newer = self._tokens_param == "max_completion_tokens"
            response_format, extra_body = formats.get(mode, (openai.omit, None))
            raw = await client.chat.completions.with_raw_response.create(
                model=self.model,
                messages=[typed(m) for m in messages],
                temperature=self.temperature if self.temperature is not None else openai.omit,
                max_tokens=openai.omit if newer else limit,
                max_completion_tokens=limit if newer else openai.omit,
                response_format=response_format,
                extra_body=extra_body,
            )
            return raw.content

    return PublicApi(settings, mode_store=modes)


def make_bench_backend(settings: Any, modes: Any, send: str) -> Any:
    """`send`: "bytes" (the backend as shipped: its one bypass) or "public" (the SDK's
    public create())."""
    from stancetrack.llm.context import BackendContext
    from stancetrack.llm.factory import make_backend

    if send == "public":
        return public_api_backend(settings, modes)
    return make_backend(BackendContext(settings, mode_store=modes), backend="openai")


def bench_settings(base_url: str, concurrency: int, **extra: Any) -> Any:
    """Settings of an `openai` backend pointed at the stub."""
    from stancetrack.settings import Settings

    return Settings(
        openai_base_url=base_url,
        openai_api_key="bench",
        model="stub-model",
        backend="openai",
        concurrency=concurrency,
        **extra,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds(pid: int) -> float:
    """user+system CPU time of a process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    n: int,
    latency: float,
    concurrency: int,
    trace_memory: bool,
    cold: bool = False,
    send: str = "bytes",
) -> dict[str, Any]:
    """One batch in this process; returns its figures.

    The endpoint's structured-output mode is known beforehand, as on every run after the
    first against an endpoint; `cold` leaves it unknown, so the batch's first request
    probes alone while the others wait (one extra L, once).
    """
    from stancetrack.db import Database
    from stancetrack.db.repository.extraction import DbModeStore
    from stancetrack.pipeline import extract_async

    with stub_running(latency) as (stub, base_url), tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        write_corpus(corpus, n)
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = bench_settings(base_url, concurrency, database_url=db_url)
        db = Database(db_url)
        modes = DbModeStore(db) if cold else known_modes(base_url, DbModeStore(db))
        backend = make_bench_backend(settings, modes, send)

        async def go() -> Any:
            try:
                return await extract_async([str(corpus)], settings, database=db, backend=backend)
            finally:
                await backend.aclose()

        if trace_memory:
            tracemalloc.start()
        stub_cpu0 = _cpu_seconds(stub.pid)
        cpu0 = time.process_time()
        kids0 = _children_cpu()
        t0 = time.perf_counter()
        summary = asyncio.run(go())
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        db_cpu = _children_cpu() - kids0  # the database process, reaped at the end
        db_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        stub_cpu = _cpu_seconds(stub.pid) - stub_cpu0
        traced_peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
        tracemalloc.stop()
        db.dispose()
    return {
        **timing(n, latency, concurrency, wall, cold),
        "send": send,
        "cpu_ms_per_article": round(cpu / n * 1000, 3),
        "db_process_cpu_ms_per_article": round(db_cpu / n * 1000, 3),
        "stub_cpu_ms_per_article": round(stub_cpu / n * 1000, 3),
        "summary": summary.as_json(),
        "traced_peak_mb": round(traced_peak / 2**20, 2) if traced_peak is not None else None,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "db_process_max_rss_mb": round(db_rss, 1),
    }


def measure_floor(n: int, latency: float, concurrency: int, cold: bool = False) -> dict[str, Any]:
    """The same requests through the OpenAI backend alone (no files, no database): what the
    SDK and the stub cost by themselves, the best the pipeline could do on this machine."""
    from stancetrack.llm.base import ExtractionRequest
    from stancetrack.llm.context import BackendContext
    from stancetrack.llm.factory import make_backend
    from stancetrack.llm.modes import MemoryModeStore

    text = (FIXTURES / "articles" / f"{SOURCE_STEM}.txt").read_text(encoding="utf-8")
    with stub_running(latency) as (_stub, base_url):
        settings = bench_settings(base_url, concurrency)
        modes = MemoryModeStore() if cold else known_modes(base_url, MemoryModeStore())
        backend = make_backend(BackendContext(settings, mode_store=modes), backend="openai")

        async def go() -> None:
            todo = iter(range(n))

            async def worker() -> None:
                for i in todo:
                    await backend.extract(
                        ExtractionRequest(title=f"t{i}", text=f"{i}\n{text}", target="x")
                    )

            try:
                await asyncio.gather(*(worker() for _ in range(concurrency)))
            finally:
                await backend.aclose()

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        asyncio.run(go())
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    return {**timing(n, latency, concurrency, wall, cold), "cpu_ms_per_request": cpu / n * 1000}


def in_child(
    n: int,
    latency: float,
    concurrency: int,
    trace_memory: bool,
    floor: bool = False,
    cold: bool = False,
    send: str = "bytes",
) -> dict[str, Any]:
    """`measure` in a fresh interpreter (clean peak-memory figures)."""
    args = [sys.executable, __file__, "--child", "-n", str(n), "-l", str(latency)]
    args += ["-c", str(concurrency)] + (["--trace-memory"] if trace_memory else [])
    args += (["--floor"] if floor else []) + (["--cold"] if cold else [])
    args += ["--send", send]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare_send(n: int, latency: float, concurrency: int, rounds: int, as_json: bool) -> int:
    """Public create() vs the pre-encoded bytes post, alternating in one run (noise hits
    both alike): throughput at latency L and the CPU-bound case at L=0."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        send: {"latency": [], "cpu_bound": []} for send in ("public", "bytes")
    }
    for _ in range(rounds):
        for send in ("public", "bytes"):
            runs[send]["latency"].append(in_child(n, latency, concurrency, False, send=send))
            runs[send]["cpu_bound"].append(in_child(n, 0.0, concurrency, False, send=send))

    def best(case: str, send: str) -> float:
        return min(r["wall_s"] for r in runs[send][case])

    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "n": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "rounds": rounds,
        "walls": {
            send: {case: [r["wall_s"] for r in rs] for case, rs in cases.items()}
            for send, cases in runs.items()
        },
        # throughput of the public call relative to the bypass (best wall of each)
        "public_over_bytes": {
            case: round(best(case, "bytes") / best(case, "public"), 3)
            for case in ("latency", "cpu_bound")
        },
        "cpu_ms_per_article": {
            send: min(r["cpu_ms_per_article"] for r in runs[send]["cpu_bound"]) for send in runs
        },
    }
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    for case, label in (("latency", f"L={latency * 1000:.0f}ms"), ("cpu_bound", "L=0")):
        pub, byt = best(case, "public"), best(case, "bytes")
        print(
            f"{label:8} N={n} C={concurrency}: public create() {pub:.2f}s,"
            f" bytes post {byt:.2f}s, public throughput = {byt / pub:.3f} of the bypass"
            f" (best of {rounds})"
        )
    cpu = report["cpu_ms_per_article"]
    print(
        f"main-process CPU at L=0: public {cpu['public']:.2f}, bytes {cpu['bytes']:.2f} ms/article"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="articles (default 1000)")
    parser.add_argument("-l", "--latency", type=float, default=0.2, help="seconds per reply")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument(
        "--memory-n",
        type=int,
        nargs=2,
        default=[250, 1000],
        metavar=("N1", "N2"),
        help="the two corpus sizes of the memory check (default 250 1000)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start with the output mode unknown (a first run ever: one probe request first)",
    )
    parser.add_argument(
        "--compare-send",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="only compare the SDK's public create() with posting pre-encoded bytes: "
        "ROUNDS alternating runs of each at L and at L=0",
    )
    parser.add_argument("--send", choices=("public", "bytes"), default="bytes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        n, latency, c, cold = args.n, args.latency, args.concurrency, args.cold
        if args.floor:
            print(json.dumps(measure_floor(n, latency, c, cold)))
        else:
            print(json.dumps(measure(n, latency, c, args.trace_memory, cold, args.send)))
        return 0
    if args.compare_send:
        return compare_send(args.n, args.latency, args.concurrency, args.compare_send, args.json)

    throughput = in_child(args.n, args.latency, args.concurrency, False, cold=args.cold)
    floor = in_child(args.n, args.latency, args.concurrency, False, floor=True, cold=args.cold)
    overhead = in_child(args.n, 0.0, args.concurrency, False)
    memory = [in_child(m, 0.0, args.concurrency, True) for m in args.memory_n]
    report = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "throughput": throughput,
        "floor": floor,
        "overhead": overhead,
        "memory": memory,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    t, o = throughput, overhead
    print(f"machine: {report['machine']}")
    print(
        f"throughput  N={t['n']} L={t['latency_s'] * 1000:.0f}ms C={t['concurrency']}:"
        f" wall {t['wall_s']:.2f}s, ideal {t['ideal_s']:.2f}s, ratio {t['ratio']:.3f}"
        f" (overhead beyond ideal {t['overhead_ms_per_article']:.2f} ms/article;"
        f" mode {'known' if t['mode_known'] else 'probed first'})"
    )
    if floor["ratio"] is not None:
        print(
            f"floor       the same requests through the backend alone (no files, no database):"
            f" wall {floor['wall_s']:.2f}s, ratio {floor['ratio']:.3f}"
        )
    print(
        f"overhead    N={o['n']} L=0 C={o['concurrency']}: wall {o['wall_s']:.2f}s"
        f" = {o['per_article_ms']:.2f} ms/article (everything but the wait);"
        f" CPU {o['cpu_ms_per_article']:.2f} ms/article in the main process,"
        f" {o['db_process_cpu_ms_per_article']:.2f} in the database process,"
        f" {o['stub_cpu_ms_per_article']:.2f} in the stub"
    )
    for m in memory:
        print(
            f"memory      N={m['n']}: traced peak {m['traced_peak_mb']:.1f} MB,"
            f" max RSS {m['max_rss_mb']:.1f} MB"
            f" (database process {m['db_process_max_rss_mb']:.1f} MB)"
        )
    print(f"summary     {t['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `extract` at corpus scale: cost per article as the database grows, and throughput.

The corpus is bench/corpus.py's: several outlets, a long tail of speakers (a few frequent,
most new), 2-5 quotes per story, wire copies. The stub server (tests/stub_server.py, in its
own process) answers each article with the reply a good model would give for it.

Measured, each step in a fresh process (so memory figures are per step):

- windows: `extract` of 1,000 articles through the stub with no latency, at C=32, on a
  database already holding 0, 10,000 and 100,000 articles of the same corpus. Between the
  windows the database is filled through the same pipeline with the stub replaced by an
  in-process backend that returns the corpus reply (no HTTP; the database side is the
  same), and that fill is timed too, per block: a second view of cost against size;
- throughput: N articles at latency L and concurrency C through the whole pipeline, against
  a bare `AsyncOpenAI` loop sending the same messages (same prompt, same response format) to
  the same stub, in the same run (ratio = bare wall / pipeline wall; target >= 0.9).

Usage (from the repository root)::

    .venv/bin/python bench/bench_scale.py                 # windows at 0, 10k, 100k; throughput
    .venv/bin/python bench/bench_scale.py --sizes 0 2000 --window 500 --throughput-n 500
    .venv/bin/python bench/bench_scale.py --skip-windows  # throughput only
    .venv/bin/python bench/bench_scale.py --json          # machine-readable
    .venv/bin/python bench/bench_scale.py --against /tmp/s/100k.db --stored 100000
        # the window on an empty database and on copies of a kept one, alternated 5 times

On a shared machine wall times swing with the load; CPU per article (this process, the
database process, the stub) is the steadier figure, and is reported beside them.

Targets (issue 10): cost per article at 100k within 1.2x of the first 1k; memory flat;
throughput at N=2000, L=200 ms, C=32 at least 0.9 of the bare loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402  (bench/ is not a package)

FILL_BLOCK = 10_000  # articles written to disk and stored per fill step


@contextlib.contextmanager
def stub_running(latency: float, seed: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The stub in its own process, answering each article with its corpus reply."""
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(REPO / 'tests')!r}, {str(REPO / 'bench')!r}]\n"
        "import corpus\n"
        "from stub_server import StubServer\n"
        "def respond(body):\n"
        "    users = [m for m in body.get('messages', []) if m.get('role') == 'user']\n"
        "    return corpus.reply(" + str(seed) + ", str(users[-1].get('content') or ''))\n"
        f"with StubServer(default=respond, latency={latency!r}, record=False) as s:\n"
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
        stub.wait(timeout=30)


def settings_for(base_url: str, concurrency: int, db_url: str | None = None) -> Any:
    from stancetrack.settings import Settings

    extra = {"database_url": db_url} if db_url else {}
    return Settings(
        openai_base_url=base_url,
        openai_api_key="bench",
        model="stub-model",
        backend="openai",
        concurrency=concurrency,
        **extra,
    )


def _cpu_seconds(pid: int) -> float:
    """user+system CPU time of a live process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _actors(db_url: str) -> int:
    from sqlalchemy import func, select

    from stancetrack.db import Database
    from stancetrack.db.models import Actor

    db = Database(db_url)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Actor)) or 0)
    finally:
        db.dispose()


# -- one step, in a child process ------------------------------------------------------------


def window(
    db_path: str, seed: int, start: int, stop: int, latency: float, concurrency: int
) -> dict[str, Any]:
    """`extract` of articles [start, stop) through the stub, on the database at db_path."""
    from stancetrack.db import Database
    from stancetrack.db.repository.extraction import DbModeStore
    from stancetrack.llm.context import BackendContext
    from stancetrack.llm.factory import make_backend
    from stancetrack.llm.openai_backend import endpoint_host
    from stancetrack.pipeline import extract_async

    db_url = f"sqlite:///{db_path}"
    with stub_running(latency, seed) as (stub, base_url), tempfile.TemporaryDirectory() as tmp:
        corpus.write(Path(tmp), seed, start, stop)
        settings = settings_for(base_url, concurrency, db_url)
        db = Database(db_url)
        modes = DbModeStore(db)
        modes.set(endpoint_host(base_url), "stub-model", "json_schema")  # as after a first run
        backend = make_backend(BackendContext(settings, mode_store=modes), backend="openai")

        async def go() -> Any:
            try:
                return await extract_async([tmp], settings, database=db, backend=backend)
            finally:
                await backend.aclose()

        stub0, cpu0, kids0 = _cpu_seconds(stub.pid), time.process_time(), _children_cpu()
        t0 = time.perf_counter()
        summary = asyncio.run(go())
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        db_cpu = _children_cpu() - kids0  # the database process, reaped at the end
        stub_cpu = _cpu_seconds(stub.pid) - stub0
        db.dispose()
    n = stop - start
    return {
        "kind": "window",
        "stored_before": start,
        "n": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "ms_per_article": round(wall / n * 1000, 2),
        "cpu_ms_per_article": round(cpu / n * 1000, 2),
        "db_process_cpu_ms_per_article": round(db_cpu / n * 1000, 2),
        "stub_cpu_ms_per_article": round(stub_cpu / n * 1000, 2),
        "max_rss_mb": _rss_mb(resource.RUSAGE_SELF),
        "db_process_max_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN),
        "summary": summary.as_json(),
    }


class CorpusBackend:
    """A backend answering from the corpus in-process: fills the database without HTTP."""

    name = "openai"
    model = "stub-model"
    endpoint_host: str | None = "fill"
    temperature: float | None = None
    max_tokens: int | None = None

    def __init__(self, seed: int) -> None:
        from stancetrack.llm.base import PromptInfo
        from stancetrack.promptfiles import load_prompt

        template = load_prompt()
        self.prompt = PromptInfo(template.name, template.version, template.sha256)
        self.seed = seed

    async def extract(self, request: Any) -> Any:
        from stancetrack.llm.base import BackendReply
        from stancetrack.llm.replies import parse_reply

        raw = json.dumps(corpus.reply(self.seed, request.text))
        parsed = parse_reply(raw)
        return BackendReply(
            claims=parsed.claims,
            raw_reply=raw,
            output_mode="json_schema",
            invalid_items=parsed.invalid,
        )

    async def aclose(self) -> None:
        return None


def fill(db_path: str, seed: int, start: int, stop: int, concurrency: int) -> dict[str, Any]:
    """Store articles [start, stop) through the pipeline with the in-process corpus backend."""
    from stancetrack.db import Database
    from stancetrack.pipeline import extract_async

    db_url = f"sqlite:///{db_path}"
    settings = settings_for("http://127.0.0.1:9/v1", concurrency, db_url)
    db = Database(db_url)
    blocks = []
    try:
        for lo in range(start, stop, FILL_BLOCK):
            hi = min(stop, lo + FILL_BLOCK)
            with tempfile.TemporaryDirectory() as tmp:
                corpus.write(Path(tmp), seed, lo, hi)
                kids0 = _children_cpu()
                t0 = time.perf_counter()
                summary = asyncio.run(
                    extract_async(
                        [tmp],
                        settings,
                        database=db,
                        backend=CorpusBackend(seed),  # type: ignore[arg-type]
                    )
                )
                wall = time.perf_counter() - t0
                db_cpu = _children_cpu() - kids0
            blocks.append(
                {
                    "from": lo,
                    "to": hi,
                    "ms_per_article": round(wall / (hi - lo) * 1000, 2),
                    "db_process_cpu_ms_per_article": round(db_cpu / (hi - lo) * 1000, 2),
                    "claims": summary.as_json()["claims"],
                }
            )
            print(json.dumps(blocks[-1]), file=sys.stderr, flush=True)
    finally:
        db.dispose()
    return {
        "kind": "fill",
        "blocks": blocks,
        "max_rss_mb": _rss_mb(resource.RUSAGE_SELF),
        "db_process_max_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN),
    }


class Registry:
    """The actors and aliases `extract` would hold after this corpus, kept in step in memory.

    Applies the resolver's outcome for this corpus directly (every claim of a full name
    resolves to that name's actor; the alias rules of `ActorResolver.resolve`), so the
    database can be preloaded with 100,000 articles in minutes. `--check-preload` compares
    it with the real pipeline on the first articles.
    """

    def __init__(self, session: Any) -> None:
        from sqlalchemy import func, select

        from stancetrack.db.models import Actor, ActorAlias

        self.ids = dict(session.execute(select(Actor.name, Actor.id)).all())
        self.keys = {
            actor_id: key for actor_id, key in session.execute(select(Actor.id, Actor.key))
        }
        self.aliases = set(session.execute(select(ActorAlias.actor_id, ActorAlias.key)).all())
        self.next_id = int(session.scalar(select(func.max(Actor.id))) or 0) + 1
        self.new_actors: list[dict[str, Any]] = []
        self.new_aliases: list[dict[str, Any]] = []

    def for_article(self, claims: list[Any], names: list[str]) -> Any:
        """The `ActorIds` of one article for `claims_from_reply`: each claim's corpus name."""
        by_claim = {id(claim): name for claim, name in zip(claims, names, strict=True)}
        registry = self

        class ArticleActors:
            def actor_id(self, claim: Any) -> int:
                return registry.actor_id(by_claim[id(claim)], claim)

        return ArticleActors()

    def actor_id(self, name: str, claim: Any) -> int:
        from stancetrack.actors import (
            is_pronoun,
            is_variant_of,
            loose_key,
            name_key,
            name_parts,
            surname_key,
        )

        actor_id = self.ids.get(name)
        if actor_id is None:
            actor_id = self.ids[name] = self.next_id
            self.next_id += 1
            key = self.keys[actor_id] = name_key(name)
            self.new_actors.append(
                {
                    "id": actor_id,
                    "name": name,
                    "key": key,
                    "loose_key": loose_key(key),
                    "surname_key": surname_key(key),
                    "actor_type": claim.actor_type.value,
                }
            )
        key = self.keys[actor_id]
        given = " ".join(claim.actor.split())
        candidates = [a for a in (name, given) if a == name or is_variant_of(name_key(a), key)]
        candidates += [
            part
            for part in name_parts(claim.speaker)
            if not is_pronoun(part) and is_variant_of(name_key(part), key)
        ]
        for alias in candidates:
            alias_key = name_key(alias)
            if alias_key and not is_pronoun(alias) and (actor_id, alias_key) not in self.aliases:
                self.aliases.add((actor_id, alias_key))
                self.new_aliases.append(
                    {
                        "actor_id": actor_id,
                        "alias": alias,
                        "key": alias_key,
                        "loose_key": loose_key(alias_key),
                        "surname_key": surname_key(alias_key),
                        "origin": "model",
                    }
                )
        return actor_id

    def flush(self, session: Any) -> None:
        from sqlalchemy import insert

        from stancetrack.db.models import Actor, ActorAlias

        if self.new_actors:
            session.execute(insert(Actor), self.new_actors)
        if self.new_aliases:
            session.execute(insert(ActorAlias), self.new_aliases)
        self.new_actors, self.new_aliases = [], []


def preload(db_path: str, seed: int, start: int, stop: int) -> dict[str, Any]:
    """Store articles [start, stop) with their runs, claims and actors through the repository
    (`store_article`, `record_run`) and the one path from a reply to claims
    (`claims_from_reply`: grounding, dedup), with the actor registry applied by `Registry`."""
    from stancetrack.db import Database
    from stancetrack.db.models import utcnow
    from stancetrack.db.repository.articles import store_article
    from stancetrack.db.repository.extraction import done_cache_keys, record_run
    from stancetrack.ingest import read_bytes
    from stancetrack.llm.base import BackendReply
    from stancetrack.llm.replies import parse_reply
    from stancetrack.pipeline.grounded import claims_from_reply
    from stancetrack.pipeline.storing import cache_key
    from stancetrack.promptfiles import load_prompt
    from stancetrack.settings import DEFAULT_TARGET

    prompt = load_prompt()
    db = Database(f"sqlite:///{db_path}")
    t0 = time.perf_counter()
    try:
        for lo in range(start, stop, 1000):
            with db.session() as session:
                registry = Registry(session)
                items = {}  # cache key -> article, first of each text (extract skips repeats)
                for a in corpus.articles(seed, lo, min(stop, lo + 1000)):
                    data = json.dumps(a.record()).encode()
                    item = read_bytes(f"preload/{a.number}.jsonl", data, ".jsonl")[0]
                    key = cache_key(item.sha256, prompt.sha256, "stub-model", DEFAULT_TARGET)
                    items.setdefault(key, item)
                done = done_cache_keys(session, list(items))
                stored: list[tuple[str, Any, list[Any], list[Any]]] = []
                for key, item in items.items():
                    if key in done:
                        continue
                    raw = json.dumps(corpus.reply(seed, item.text))
                    parsed = parse_reply(raw)
                    names = corpus.speakers(seed, item.text)
                    reply = BackendReply(claims=parsed.claims, raw_reply=raw)
                    actors = registry.for_article(parsed.claims, names)
                    claims, rejected = claims_from_reply(item.text, reply, actors)
                    stored.append((key, item, claims, rejected))
                registry.flush(session)
                for key, item, claims, rejected in stored:
                    article_id, _ = store_article(session, item)
                    run = {
                        "article_id": article_id,
                        "cache_key": key,
                        "backend": "openai",
                        "model": "stub-model",
                        "endpoint_host": "preload",
                        "prompt_name": prompt.name,
                        "prompt_version": prompt.version,
                        "prompt_sha256": prompt.sha256,
                        "target": DEFAULT_TARGET,
                        "params": {},
                        "status": "ok",
                        "started_at": utcnow(),
                    }
                    record_run(session, run, claims, rejected)
    finally:
        db.dispose()
    wall = time.perf_counter() - t0
    return {
        "kind": "preload",
        "from": start,
        "to": stop,
        "ms_per_article": round(wall / max(1, stop - start) * 1000, 2),
        "max_rss_mb": _rss_mb(resource.RUSAGE_SELF),
    }


def registry_of(db_path: str) -> dict[str, Any]:
    """Actors (name, key, alias keys) and claim counts: to compare preload and pipeline."""
    from sqlalchemy import func, select

    from stancetrack.db import Database
    from stancetrack.db.models import Actor, ActorAlias, Claim

    db = Database(f"sqlite:///{db_path}")
    try:
        with db.session() as session:
            aliases: dict[int, set[str]] = {}
            for actor_id, key in session.execute(select(ActorAlias.actor_id, ActorAlias.key)):
                aliases.setdefault(actor_id, set()).add(key)
            actors = sorted(
                f"{name}|{key}|{','.join(sorted(aliases.get(actor_id, ())))}"
                for actor_id, name, key in session.execute(select(Actor.id, Actor.name, Actor.key))
            )
            claims = session.execute(
                select(Actor.name, func.count())
                .join(Claim, Claim.actor_id == Actor.id)
                .group_by(Actor.name)
            ).all()
    finally:
        db.dispose()
    return {"actors": actors, "claims": sorted(f"{n}|{c}" for n, c in claims)}


def bare_loop(seed: int, n: int, latency: float, concurrency: int) -> dict[str, Any]:
    """The same requests sent by a bare `AsyncOpenAI` loop: what the SDK and stub cost alone.

    The messages are built by the prompt template the backend uses, with the same response
    format and parameters, for the same articles as the pipeline run.
    """
    from openai import AsyncOpenAI

    from stancetrack.llm.openai_backend import SCHEMA_NAME
    from stancetrack.promptfiles import load_prompt
    from stancetrack.schemas import reply_json_schema

    with stub_running(latency, seed) as (_stub, base_url):
        settings = settings_for(base_url, concurrency)
        template = load_prompt()
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": reply_json_schema(), "strict": True},
        }
        extra: dict[str, Any] = {}
        if settings.temperature is not None:
            extra["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            extra["max_tokens"] = settings.max_tokens
        requests = [
            template.messages(
                title=a.title, text=a.text, target=settings.target, published=a.published
            )
            for a in corpus.articles(seed, 0, n)
        ]

        async def go() -> int:
            client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
            todo = iter(requests)
            claims = 0

            async def worker() -> None:
                nonlocal claims
                for messages in todo:
                    done = await client.chat.completions.create(
                        model="stub-model",
                        messages=messages,  # type: ignore[arg-type]
                        response_format=response_format,
                        **extra,
                    )
                    claims += len(json.loads(done.choices[0].message.content or "{}")["claims"])

            try:
                await asyncio.gather(*(worker() for _ in range(concurrency)))
            finally:
                await client.close()
            return claims

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        claims = asyncio.run(go())
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    return {
        "kind": "bare",
        "n": n,
        "latency_s": latency,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "ideal_s": round(n * latency / concurrency, 3),
        "cpu_ms_per_request": round(cpu / n * 1000, 2),
        "claims_in_replies": claims,
    }


# -- orchestration ---------------------------------------------------------------------------


def in_child(*args: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its last stdout line is the JSON result."""
    command = [sys.executable, __file__, "--child", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_child(args: list[str]) -> dict[str, Any]:
    kind, rest = args[0], args[1:]
    if kind == "window":
        db, seed, start, stop, latency, c = rest
        return window(db, int(seed), int(start), int(stop), float(latency), int(c))
    if kind == "fill":
        db, seed, start, stop, c = rest
        return fill(db, int(seed), int(start), int(stop), int(c))
    if kind == "preload":
        db, seed, start, stop = rest
        return preload(db, int(seed), int(start), int(stop))
    if kind == "registry":
        return registry_of(rest[0])
    if kind == "bare":
        seed, n, latency, c = rest
        return bare_loop(int(seed), int(n), float(latency), int(c))
    raise SystemExit(f"unknown step {kind}")


def windows(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """The window of `args.window` articles at each database size in `args.sizes`."""
    db = str(workdir / "scale.db")
    results: list[dict[str, Any]] = []
    stored = 0
    for size in sorted(args.sizes):
        if size > stored:
            if args.fill == "pipeline":
                filled = in_child("fill", db, str(args.seed), str(stored), str(size), "32")
            else:
                filled = in_child("preload", db, str(args.seed), str(stored), str(size))
            results.append({**filled, "stored_before": stored, "stored_after": size})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
            stored = size
        step = ["window", db, str(args.seed), str(stored), str(stored + args.window)]
        result = in_child(*step, "0", "32")
        result["actors_before"] = _actors(f"sqlite:///{db}") if stored else 0
        results.append(result)
        stored += args.window
        print(json.dumps(result), file=sys.stderr, flush=True)
    return results


def throughput(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    """Pipeline and bare loop, alternated `args.rounds` times, same articles, same stub code."""
    n, latency, c = args.throughput_n, args.latency, args.concurrency
    results = []
    for round_ in range(args.rounds):
        db = workdir / f"throughput{round_}.db"
        pipeline = in_child("window", str(db), str(args.seed), "0", str(n), str(latency), str(c))
        db.unlink()
        bare = in_child("bare", str(args.seed), str(n), str(latency), str(c))
        results.append(
            {
                "round": round_ + 1,
                "pipeline": pipeline,
                "bare": bare,
                "ratio": round(bare["wall_s"] / pipeline["wall_s"], 3),
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return results


def _checkpointed(db: Path) -> None:
    """Fold the WAL into the file, so that copying the file copies the database."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def interleaved(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """The same window (corpus articles [stored, stored + window)) on an empty database and
    on a fresh copy of `args.against` (holding articles [0, stored)), alternated
    `args.interleave_rounds` times so that the load of a shared machine weighs on both."""
    source = Path(args.against)
    _checkpointed(source)
    stored, n, c = args.stored, args.window, args.concurrency
    rounds: list[dict[str, Any]] = []
    for round_ in range(args.interleave_rounds):
        pair: dict[str, Any] = {"round": round_ + 1}
        for label in ("empty", "stored"):
            db = workdir / f"interleave-{label}.db"
            for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                path.unlink(missing_ok=True)
            if label == "stored":
                shutil.copyfile(source, db)
            step = ["window", str(db), str(args.seed), str(stored), str(stored + n), "0", str(c)]
            pair[label] = in_child(*step)
        for what in ("wall_s", "db_process_cpu_ms_per_article"):
            pair[f"ratio_{what}"] = round(pair["stored"][what] / pair["empty"][what], 3)
        rounds.append(pair)
        print(json.dumps(pair), file=sys.stderr, flush=True)
    return {
        "stored": stored,
        "window": n,
        "rounds": rounds,
        "median_wall_ratio": statistics.median(r["ratio_wall_s"] for r in rounds),
        "median_db_cpu_ratio": statistics.median(
            r["ratio_db_process_cpu_ms_per_article"] for r in rounds
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--window", type=int, default=1000, help="articles per window")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--throughput-n", type=int, default=2000)
    parser.add_argument(
        "--article-bytes",
        type=int,
        default=0,
        help="pad each article with quote-free paragraphs to at least this size (e.g. 6500)",
    )
    parser.add_argument("-l", "--latency", type=float, default=0.2)
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds")
    parser.add_argument(
        "--fill",
        choices=["repository", "pipeline"],
        default="repository",
        help="fill between windows through the repository (fast, default) or the pipeline",
    )
    parser.add_argument("--skip-windows", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--workdir", help="keep the databases here (default: a temp dir)")
    parser.add_argument(
        "--against",
        metavar="DB",
        help="instead of the steps above: the window on an empty database and on copies of "
        "this SQLite file (holding corpus articles [0, --stored)), alternated",
    )
    parser.add_argument("--stored", type=int, default=100_000, help="articles in --against")
    parser.add_argument("--interleave-rounds", type=int, default=5)
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child)))
        return 0
    if args.article_bytes:  # read by bench/corpus.py in every child and the stub server
        os.environ["STANCETRACK_BENCH_ARTICLE_BYTES"] = str(args.article_bytes)

    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
    }
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.against:
            report["interleaved"] = interleaved(args, workdir)
            args.skip_windows = args.skip_throughput = True
        if not args.skip_windows:
            report["windows"] = windows(args, workdir)
        if not args.skip_throughput:
            report["throughput"] = throughput(args, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report["load_after"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    print(f"machine: {report['machine']} (load after: {report['load_after']})")
    if "interleaved" in report:
        inter = report["interleaved"]
        for r in inter["rounds"]:
            e, s = r["empty"], r["stored"]
            print(
                f"round {r['round']}: window of {inter['window']:,} on an empty database"
                f" {e['wall_s']:.2f}s (database CPU {e['db_process_cpu_ms_per_article']:.2f}"
                f" ms/article), after {inter['stored']:,} {s['wall_s']:.2f}s"
                f" ({s['db_process_cpu_ms_per_article']:.2f}): ratio {r['ratio_wall_s']:.2f}"
                f" wall, {r['ratio_db_process_cpu_ms_per_article']:.2f} database CPU"
            )
        print(
            f"median: {inter['median_wall_ratio']:.2f}x wall,"
            f" {inter['median_db_cpu_ratio']:.2f}x database CPU"
        )
    for step in report.get("windows", []):
        if step["kind"] == "preload":
            print(
                f"preload {step['from']:>7,}-{step['to']:<7,} through the repository:"
                f" {step['ms_per_article']:.2f} ms/article wall"
            )
            continue
        if step["kind"] == "fill":
            for b in step["blocks"]:
                print(
                    f"fill    {b['from']:>7,}-{b['to']:<7,} {b['ms_per_article']:7.2f} ms/article"
                    f" wall, database process CPU {b['db_process_cpu_ms_per_article']:.2f}"
                    f" ms/article (in-process backend, no HTTP)"
                )
            continue
        cpu = step["cpu_ms_per_article"] + step["db_process_cpu_ms_per_article"]
        print(
            f"window  {step['n']:,} articles after {step['stored_before']:,}"
            f" ({step['actors_before']:,} actors): {step['ms_per_article']:.2f} ms/article wall;"
            f" CPU {cpu:.2f} ms/article (main {step['cpu_ms_per_article']:.2f},"
            f" database {step['db_process_cpu_ms_per_article']:.2f}, stub"
            f" {step['stub_cpu_ms_per_article']:.2f}); max RSS {step['max_rss_mb']:.0f} MB,"
            f" database process {step['db_process_max_rss_mb']:.0f} MB; {step['summary']}"
        )
    for r in report.get("throughput", []):
        p, b = r["pipeline"], r["bare"]
        print(
            f"throughput round {r['round']}: N={p['n']} L={p['latency_s'] * 1000:.0f}ms"
            f" C={p['concurrency']}: pipeline {p['wall_s']:.2f}s, bare AsyncOpenAI loop"
            f" {b['wall_s']:.2f}s (ideal {b['ideal_s']:.2f}s): ratio {r['ratio']:.3f}"
        )


if __name__ == "__main__":
    sys.exit(main())

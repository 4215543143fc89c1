"""`watch`: poll sources, store what is new, extract it; again every `interval` seconds.

Each round: the poller stores new items with their articles (tracking/poller.py), then
every stored item whose extraction has not finished goes through the same extraction as
`extract`, through one engine for the whole watch (pipeline/engine.py; the articles as
already-read inputs: skip check, one transaction per article, grounding, actors). Items
are marked extracted only after their batch finished, so a restart after Ctrl-C, SIGTERM
or kill -9 extracts the rest and the skip check keeps anything from being requested or
stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from stancetrack.analysis.changes import Change
from stancetrack.db import Database
from stancetrack.db.read_models import dump
from stancetrack.db.repository.watch import mark_extracted, pending_articles
from stancetrack.ingest import ArticleInput
from stancetrack.pipeline import Engine, ExtractObserver, ExtractSummary
from stancetrack.settings import Settings
from stancetrack.tracking.changes_report import poll_changes
from stancetrack.tracking.poller import Poller, PollOptions, SourceReport
from stancetrack.tracking.sources import Source

# Stored articles extracted per batch: bounds memory (they cross to the database process).
EXTRACT_CHUNK = 500


@dataclass
class PollSummary:
    """One round: extract's counts, each source's report, and the stance changes the
    round's articles brought (`watch --format json`)."""

    extract: ExtractSummary = field(default_factory=ExtractSummary)
    sources: list[SourceReport] = field(default_factory=list)
    stopped: bool = False
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.extract.as_json(),
            "sources": [s.as_json() for s in self.sources],
            "changes": [dump(c.read_model()) for c in self.changes],
        }

    @property
    def ok(self) -> bool:
        return (
            self.extract.ok
            and not self.stopped
            and all(
                s.status in ("ok", "not_modified", "backoff") and not s.failed for s in self.sources
            )
        )


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set `stop` (the round finishes what it committed, then ends)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


async def _extract(
    engine: Engine, inputs: list[Any], observer: ExtractObserver, stop: threading.Event
) -> ExtractSummary:
    """One run of the engine, cancelled (cleanly: answered work is committed) when `stop`
    is set."""
    task = asyncio.ensure_future(engine.run(inputs=inputs, observer=observer))
    while not task.done():
        await asyncio.wait({task}, timeout=0.2)
        if stop.is_set() and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})
            break
    if task.cancelled():
        summary = ExtractSummary()
        summary.interrupted = True
        return summary
    return task.result()


async def extract_pending(
    engine: Engine, observer: ExtractObserver, stop: threading.Event
) -> tuple[ExtractSummary, list[str]]:
    """Extract every stored item not extracted yet, in chunks; mark each finished chunk.
    Returns the counts and the sha256 of the articles of the finished chunks."""
    db = engine.db
    total = ExtractSummary()
    finished: list[str] = []

    def pending_chunk() -> list[tuple[int, ArticleInput]]:
        with db.session() as session:
            return pending_articles(session, limit=EXTRACT_CHUNK)

    def mark(item_ids: list[int]) -> None:
        with db.session() as session:
            mark_extracted(session, item_ids)

    while not stop.is_set():
        pending = await asyncio.to_thread(pending_chunk)
        if not pending:
            break
        summary = await _extract(engine, [a for _, a in pending], observer, stop)
        _add(total, summary)
        if summary.interrupted or summary.fatal is not None:
            break
        await asyncio.to_thread(mark, [item_id for item_id, _ in pending])
        finished += [article.sha256 for _, article in pending]
    return total, finished


def _add(total: ExtractSummary, part: ExtractSummary) -> None:
    for name in (
        "articles",
        "extracted",
        "skipped",
        "failed_articles",
        "input_errors",
        "claims",
        "rejected",
        "prompt_tokens",
        "completion_tokens",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.interrupted = total.interrupted or part.interrupted
    total.fatal = total.fatal or part.fatal


async def poll_once(
    engine: Engine,
    sources: list[Source],
    options: PollOptions,
    *,
    stop: threading.Event,
    observer: ExtractObserver | None = None,
    on_error: Callable[[str], None] | None = None,
    on_item: Callable[[SourceReport], None] | None = None,
    on_change: Callable[[Change], None] | None = None,
) -> PollSummary:
    """Poll every source once (on a thread: the fetches block), then extract what is
    stored and not yet extracted through the engine, then find the stance changes the
    extracted articles brought (`on_change` hears each)."""
    observer = observer or ExtractObserver()
    poller = Poller(engine.db, options, stop=stop, on_error=on_error, on_item=on_item)
    result = PollSummary(sources=await asyncio.to_thread(poller.poll, sources))
    result.extract, finished = await extract_pending(engine, observer, stop)
    if finished:

        def report() -> list[Change]:
            with engine.db.sessions() as session:
                return poll_changes(session, target=engine.settings.target, sha256s=finished)

        result.changes = await asyncio.to_thread(report)
        if on_change is not None:
            for change in result.changes:
                on_change(change)
    result.stopped = stop.is_set()
    if result.stopped:
        result.extract.interrupted = True
    return result


def watch(
    sources: list[Source],
    settings: Settings,
    options: PollOptions,
    *,
    once: bool,
    on_poll: Callable[[PollSummary], None],
    observer: ExtractObserver | None = None,
    on_error: Callable[[str], None] | None = None,
    on_item: Callable[[SourceReport], None] | None = None,
    on_change: Callable[[Change], None] | None = None,
    stop: threading.Event | None = None,
) -> PollSummary:
    """Poll until stopped (or once); `on_poll` gets every round's summary. Returns the last.

    One event loop and one engine (pipeline/engine.py) for the whole watch: the backend's
    client pool and the writer are built once, not per poll."""
    stop = stop or threading.Event()
    observer = observer or ExtractObserver()
    db = Database(settings.database_url)

    async def rounds() -> PollSummary:
        engine = Engine.open(settings, database=db, on_notice=observer.on_notice)
        try:
            while True:
                summary = await poll_once(
                    engine,
                    sources,
                    options,
                    stop=stop,
                    observer=observer,
                    on_error=on_error,
                    on_item=on_item,
                    on_change=on_change,
                )
                on_poll(summary)
                if not once and summary.extract.fatal is None:
                    # a signal sets `stop`, which ends the wait at once
                    await asyncio.to_thread(stop.wait, options.interval)
                if stop.is_set():  # whenever it came: the run ends as stopped
                    summary.stopped = True
                if once or summary.stopped or summary.extract.fatal is not None:
                    return summary
        finally:
            await engine.aclose()

    try:
        with stop_on_signals(stop):
            return asyncio.run(rounds())
    finally:
        db.dispose()

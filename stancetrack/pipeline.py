"""The batch: ingest inputs, then extract, ground and store claims for each article.

Shape of `run_extraction`:

    inputs --(database side: read, skip check)--> bounded queue (2 x concurrency)
           --> N workers on the event loop: backend.extract (the network wait)
           --> database side: ground, resolve actors, ONE transaction per article
               (the article row, its run, its claims and its rejections)

- Streaming: inputs are read a few at a time and at most 2 x concurrency articles wait,
  so memory does not grow with the corpus.
- One writer: every database call runs on one worker, by default a separate process (so
  SQLAlchemy and grounding use the second core instead of competing with the HTTP client
  for the GIL; see BENCHMARKS.md), else a thread. SQLite never sees two writers.
- Idempotent: an article is skipped, without a request, when a successful run exists with
  the same cache key (text sha256, prompt sha256, model, target); `force` re-extracts.
- Crash-safe: after `kill -9` the committed articles are skipped and only the unfinished
  ones are requested again; nothing is stored twice.
- A failed article records a failed run and the batch goes on; a fatal backend error (bad
  key, unknown model) stops dispatching, as does cancellation (Ctrl-C). Work already
  answered is still written; requests in flight are abandoned.

Library entry points live here so the CLI stays a thin shell over them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import itertools
import multiprocessing
import os
import signal
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stancetrack import grounding
from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.db.repository.actors import resolve_actor
from stancetrack.db.repository.articles import add_article
from stancetrack.db.repository.extraction import (
    NewClaim,
    NewRejection,
    find_successful_run,
    record_run,
)
from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.llm.base import (
    Backend,
    BackendReply,
    ExtractionError,
    ExtractionRequest,
    PromptInfo,
)
from stancetrack.schemas import ReplyClaim
from stancetrack.settings import Settings

T = TypeVar("T")

INVALID_ITEM = "invalid item"
# Raw replies beyond this are cut on the run record (with a marker): audit, not archive.
MAX_RAW_CHARS = 1_000_000
# Inputs read (and skip-checked) per round trip to the database side.
READ_AHEAD = 16
# Distinct actor mentions remembered per batch (a few MB at most).
ACTOR_CACHE_SIZE = 20_000


# -- ingest only -----------------------------------------------------------------------------


@dataclass
class IngestResult:
    article_ids: list[int] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0
    errors: list[InputError] = field(default_factory=list)


def ingest(
    db: Database,
    paths: Iterable[str],
    settings: Settings,
    *,
    on_error: Callable[[InputError], None] | None = None,
    on_article: Callable[[int, ArticleInput, bool], None] | None = None,
) -> IngestResult:
    """Store every readable input once (by text sha256); report and skip the bad ones."""
    result = IngestResult()
    seen: set[int] = set()
    for item in iter_inputs(paths, max_bytes=settings.max_file_bytes):
        if isinstance(item, InputError):
            result.errors.append(item)
            if on_error is not None:
                on_error(item)
            continue
        with db.session() as session:
            article, created = add_article(session, item)
            article_id = article.id
        if created:
            result.new += 1
        else:
            result.duplicates += 1
        if article_id not in seen:
            seen.add(article_id)
            result.article_ids.append(article_id)
        if on_article is not None:
            on_article(article_id, item, created)
    return result


# -- extraction ------------------------------------------------------------------------------


def cache_key(text_sha256: str, prompt_sha256: str, model: str, target: str) -> str:
    """The skip key: same text, same prompt, same model, same target -> same answer."""
    joined = "\x1f".join((text_sha256, prompt_sha256, model, target))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass
class ExtractSummary:
    """Counts for one batch. `as_json()` is DESIGN's `extract` summary.

    `articles` counts readable inputs; each ends `extracted`, `skipped` or failed.
    `failed` counts unreadable inputs plus articles whose extraction failed, so
    articles + input_errors == extracted + skipped + failed when the batch ran to the end.
    """

    articles: int = 0
    extracted: int = 0
    skipped: int = 0
    failed_articles: int = 0
    input_errors: int = 0
    claims: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    interrupted: bool = False
    fatal: str | None = None

    @property
    def failed(self) -> int:
        return self.failed_articles + self.input_errors

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.fatal is None and not self.interrupted

    def as_json(self) -> dict[str, int]:
        return {
            "articles": self.articles,
            "extracted": self.extracted,
            "skipped": self.skipped,
            "failed": self.failed,
            "claims": self.claims,
            "rejected": self.rejected,
        }


@dataclass
class ExtractObserver:
    """Callbacks for a front end (all optional, called on the event loop thread)."""

    on_input_error: Callable[[InputError], None] | None = None
    on_article_failed: Callable[[str, str], None] | None = None  # (source, message)
    on_progress: Callable[[ExtractSummary], None] | None = None
    on_notice: Callable[[str], None] | None = None  # e.g. "using the offline rules backend"


@dataclass(slots=True)
class _Work:
    item: ArticleInput
    cache_key: str


@dataclass(slots=True)
class _Skip:
    sha256: str


@dataclass(slots=True)
class _Outcome:
    status: str  # ok | failed
    claims: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class _BadInput:
    """An unreadable input, as plain data (InputError does not survive pickling)."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Failure:
    """An ExtractionError's fields, as plain data for the database process."""

    message: str
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_raw: str | None = None
    output_mode: str | None = None
    fatal: bool = False

    @classmethod
    def of(cls, exc: ExtractionError) -> _Failure:
        return cls(
            str(exc) or type(exc).__name__,
            exc.attempts,
            exc.prompt_tokens,
            exc.completion_tokens,
            exc.last_raw,
            exc.output_mode,
            exc.fatal,
        )


@dataclass(frozen=True, slots=True)
class _Provenance:
    """What every run records about the backend (a picklable snapshot of it)."""

    name: str
    model: str
    endpoint_host: str | None
    prompt: PromptInfo
    temperature: float | None
    max_tokens: int | None
    params: dict[str, Any]

    @classmethod
    def of(cls, backend: Backend) -> _Provenance:
        return cls(
            backend.name,
            backend.model,
            backend.endpoint_host,
            backend.prompt,
            backend.temperature,
            backend.max_tokens,
            dict(getattr(backend, "params", None) or {}),
        )


@dataclass(frozen=True, slots=True)
class _StoreConfig:
    """Everything the database side of a batch needs; sent once to its process."""

    database_url: str
    target: str
    max_file_bytes: int
    provenance: _Provenance
    force: bool
    batch_started: datetime
    paths: tuple[str, ...]
    stdin: bytes | None = None  # '-' is read by the main process (children have no stdin)


class _Grounded:
    """A claim proven from the text: the reply item and where its quote sits."""

    __slots__ = ("claim", "span")

    def __init__(self, claim: ReplyClaim, span: grounding.GroundedSpan) -> None:
        self.claim = claim
        self.span = span


def ground_reply(text: str, reply: BackendReply) -> tuple[list[_Grounded], list[NewRejection]]:
    """Locate every claim's quote; the ungroundable and invalid ones become rejections."""
    article = grounding.ArticleText(text)
    found: list[_Grounded] = []
    rejected: list[NewRejection] = []
    windows = reply.windows if len(reply.windows) == len(reply.claims) else []
    for index, claim in enumerate(reply.claims):
        window = windows[index] if windows else None
        result = article.ground(claim.quote, window=window)
        if isinstance(result, grounding.Rejection):
            rejected.append(
                NewRejection(
                    reason=result.reason,
                    speaker=claim.speaker,
                    actor=claim.actor,
                    quote=claim.quote,
                    payload={"detail": result.detail, "item": claim.model_dump(mode="json")},
                )
            )
        else:
            found.append(_Grounded(claim, result))
    for item, reason in reply.invalid_items:
        rejected.append(
            NewRejection(
                reason=INVALID_ITEM,
                speaker=_str_or_none(item.get("speaker")),
                actor=_str_or_none(item.get("actor")),
                quote=_str_or_none(item.get("quote")),
                payload={"detail": reason, "item": item},
            )
        )
    return found, rejected


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _clip(raw: str | None) -> str | None:
    if raw is None or len(raw) <= MAX_RAW_CHARS:
        return raw
    return raw[:MAX_RAW_CHARS] + f"\n[... {len(raw) - MAX_RAW_CHARS} more characters cut]"


class _Store:
    """Everything the batch does to the database: one instance, on one thread or process."""

    def __init__(self, config: _StoreConfig, db: Database | None = None) -> None:
        self.db = db or Database(config.database_url, auto_migrate=False)
        self.config = config
        self.backend = config.provenance
        self.force = config.force
        self.batch_started = config.batch_started
        self.target = config.target
        self.params: dict[str, Any] = {
            "grounding": {
                "fuzzy_threshold": grounding.FUZZY_THRESHOLD,
                "fuzzy_min_chars": grounding.FUZZY_MIN_CHARS,
                "min_chars": grounding.MIN_QUOTE_CHARS,
                "min_words": grounding.MIN_QUOTE_WORDS,
            },
            **config.provenance.params,
        }
        stdin = io.BytesIO(config.stdin) if config.stdin is not None else None
        self._inputs: Iterator[ArticleInput | InputError] = iter_inputs(
            config.paths, max_bytes=config.max_file_bytes, stdin=stdin
        )
        # (actor, speaker, actor_type) -> actor id, for mentions resolved in this batch.
        self._actors: dict[tuple[str, str, str], int] = {}

    def _remember(self, resolved: dict[tuple[str, str, str], int]) -> None:
        if len(self._actors) + len(resolved) > ACTOR_CACHE_SIZE:
            self._actors.clear()  # bounded memory on huge, varied corpora
        self._actors.update(resolved)

    # producer side

    def next_inputs(self, limit: int) -> list[_Work | _Skip | _BadInput]:
        """Read up to `limit` inputs and decide for each: work, skip, or an error.

        Reading ahead a few saves round trips to the database process; an empty list means
        the inputs are exhausted. Nothing is written here: an article is stored in the
        same transaction as its run, so a crash leaves no half-done article behind.
        """
        out: list[_Work | _Skip | _BadInput] = []
        # --force re-extracts what was done before this batch, not twice within it.
        since = self.batch_started if self.force else None
        session: Session | None = None
        try:
            for item in itertools.islice(self._inputs, limit):
                if isinstance(item, InputError):
                    out.append(_BadInput(item.source, item.reason))
                    continue
                key = cache_key(
                    item.sha256, self.backend.prompt.sha256, self.backend.model, self.target
                )
                if session is None:
                    session = self.db.sessions()
                if find_successful_run(session, key, since=since) is not None:
                    out.append(_Skip(item.sha256))
                else:
                    out.append(_Work(item, key))
        finally:
            if session is not None:
                session.close()
        return out

    # writer side

    def _run(
        self,
        work: _Work,
        article_id: int,
        started: datetime,
        params: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Column values of the run record: every provenance field, never a secret."""
        backend = self.backend
        return {
            "article_id": article_id,
            "cache_key": work.cache_key,
            "backend": backend.name,
            "model": backend.model,
            "endpoint_host": backend.endpoint_host,
            "prompt_name": backend.prompt.name,
            "prompt_version": backend.prompt.version,
            "prompt_sha256": backend.prompt.sha256,
            "target": self.target,
            "temperature": backend.temperature,
            "max_tokens": backend.max_tokens,
            "params": params or self.params,
            "started_at": started,
            "finished_at": utcnow(),
            **fields,
        }

    def write_reply(
        self, work: _Work, reply: BackendReply, started: datetime, elapsed_ms: float
    ) -> _Outcome:
        found, rejected = ground_reply(work.item.text, reply)
        fields: dict[str, Any] = dict(
            params={**self.params, "reasks": reply.reasks, "truncated": reply.truncated},
            status="ok",
            output_mode=reply.output_mode,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            latency_ms=reply.latency_ms or elapsed_ms,
            attempts=reply.attempts,
            chunks=reply.chunks,
            raw_reply=_clip(reply.raw_reply),
        )
        try:
            pending: dict[tuple[str, str, str], int] = {}
            with self.db.session() as session:
                article, _created = add_article(session, work.item)
                run = self._run(work, article.id, started, **fields)
                claims = self._claims(session, work.item.text, found, pending)
                record_run(session, run, claims, rejected)
            self._remember(pending)
        except IntegrityError as exc:  # e.g. another process changed these actors meanwhile
            self._actors.clear()
            return self.write_failure(
                work,
                started,
                elapsed_ms,
                _Failure(
                    f"could not store the claims: {_first_line(exc)}",
                    attempts=reply.attempts,
                    prompt_tokens=reply.prompt_tokens,
                    completion_tokens=reply.completion_tokens,
                    last_raw=reply.raw_reply,
                    output_mode=reply.output_mode,
                ),
            )
        return _Outcome(
            "ok",
            claims=len(claims),
            rejected=len(rejected),
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
        )

    def _actor_id(
        self, session: Session, claim: ReplyClaim, pending: dict[tuple[str, str, str], int]
    ) -> int:
        """The actor for a mention; a mention seen before in this batch is not looked up again.

        Resolution is idempotent (the same mention resolves to the same actor and adds no
        alias the second time), so repeating it per claim only costs queries. Entries from
        this article's transaction join the cache only once it has committed.
        """
        mention = (claim.actor, claim.speaker, claim.actor_type.value)
        known = self._actors.get(mention) or pending.get(mention)
        if known is None:
            known = resolve_actor(session, *mention).id
            pending[mention] = known
        return known

    def _claims(
        self,
        session: Session,
        text: str,
        found: list[_Grounded],
        pending: dict[tuple[str, str, str], int],
    ) -> list[NewClaim]:
        claims: list[NewClaim] = []
        seen: set[tuple[int, int, int]] = set()
        for g in found:
            c = g.claim
            actor_id = self._actor_id(session, c, pending)
            key = (actor_id, g.span.start, g.span.end)
            if key in seen:  # the same span from the same actor (e.g. overlapping chunks)
                continue
            seen.add(key)
            claims.append(
                NewClaim(
                    actor_id=actor_id,
                    speaker=c.speaker,
                    quote=text[g.span.start : g.span.end],  # the article's words, always
                    start=g.span.start,
                    end=g.span.end,
                    claim=c.claim,
                    attribution=c.attribution.value,
                    stance=c.stance.value,
                    confidence=c.confidence,
                    rationale=c.rationale,
                    alignment=g.span.alignment,
                )
            )
        return claims

    def write_failure(
        self, work: _Work, started: datetime, elapsed_ms: float, exc: _Failure
    ) -> _Outcome:
        fields: dict[str, Any] = dict(
            status="failed",
            error=exc.message,
            output_mode=exc.output_mode,
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            latency_ms=elapsed_ms,
            attempts=exc.attempts,
            chunks=0,
            raw_reply=_clip(exc.last_raw),
        )
        with self.db.session() as session:
            article, _created = add_article(session, work.item)
            run = self._run(work, article.id, started, **fields)
            record_run(session, run)
        return _Outcome(
            "failed",
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            error=run["error"],
            fatal=exc.fatal,
        )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- the database side: one thread, or one process ------------------------------------------

_PROCESS_STORE: _Store | None = None


def _start_store(config: _StoreConfig, inherited: Database | None) -> None:
    """Initializer of the database process: its own engine, deaf to Ctrl-C (the parent
    decides when to stop, and a write in progress must finish)."""
    global _PROCESS_STORE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    if inherited is not None:  # forked: leave the parent's pooled connections alone
        inherited.engine.dispose(close=False)
    _PROCESS_STORE = _Store(config)


def _exit_with_parent() -> None:
    """End this process when the parent dies (kill -9): nothing else would tell it.

    An open transaction is then rolled back by the database: the article stays unfinished
    and the next batch requests it again.
    """
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="stancetrack-parent-watch", daemon=True).start()


def _call_store(method: str, *args: Any) -> Any:
    assert _PROCESS_STORE is not None
    return getattr(_PROCESS_STORE, method)(*args)


class _DbSide:
    """Runs `_Store` methods one at a time, off the event loop.

    In a separate process by default: reading, storing, grounding and actor resolution
    then use the second core instead of competing with the HTTP client for the GIL (see
    BENCHMARKS.md). In a thread for in-memory SQLite (a child cannot see it) or when asked.
    """

    def __init__(self, config: _StoreConfig, db: Database, *, process: bool) -> None:
        self.process = process
        self.store: _Store | None = None
        self.pool: Executor
        if process:
            fork = sys.platform == "linux"
            context = multiprocessing.get_context("fork" if fork else "spawn")
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_start_store,
                initargs=(config, db if fork else None),
            )
        else:
            self.store = _Store(config, db)
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancetrack-db")

    async def call(self, method: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self.store is not None:
            return await loop.run_in_executor(self.pool, getattr(self.store, method), *args)
        return await loop.run_in_executor(self.pool, _call_store, method, *args)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _process_by_default(url: str) -> bool:
    return not (url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:"))


class _Batch:
    """One `run_extraction` call: producer, workers, the database side, the counts."""

    def __init__(
        self,
        db_side: _DbSide,
        backend: Backend,
        target: str,
        concurrency: int,
        observer: ExtractObserver,
    ) -> None:
        self.db_side = db_side
        self.target = target
        self.backend = backend
        self.concurrency = concurrency
        self.observer = observer
        self.summary = ExtractSummary()
        # Two rounds of work buffered: a burst of writes on the database side must not
        # starve the workers of their next articles.
        self.queue: asyncio.Queue[_Work | None] = asyncio.Queue(maxsize=2 * concurrency)
        self.in_flight: set[str] = set()  # text sha256 of articles queued or being extracted
        self.recent: OrderedDict[str, None] = OrderedDict()  # recently finished (bounded)
        self.requests: set[asyncio.Task[BackendReply]] = set()
        self.stopping = False
        self.error: Exception | None = None
        self.writes: set[asyncio.Task[None]] = set()
        self.write_slots = asyncio.Semaphore(concurrency)

    def progress(self) -> None:
        if self.observer.on_progress is not None:
            self.observer.on_progress(self.summary)

    async def produce(self) -> None:
        while not self.stopping:
            batch = await self.db_side.call("next_inputs", READ_AHEAD)
            if not batch:
                break
            for nxt in batch:
                if self.stopping:
                    return
                await self.dispatch(nxt)

    async def dispatch(self, nxt: _Work | _Skip | _BadInput) -> None:
        summary = self.summary
        if isinstance(nxt, _BadInput):
            summary.input_errors += 1
            if self.observer.on_input_error is not None:
                self.observer.on_input_error(InputError(nxt.source, nxt.reason))
            self.progress()
            return
        summary.articles += 1
        sha = nxt.sha256 if isinstance(nxt, _Skip) else nxt.item.sha256
        if isinstance(nxt, _Skip) or sha in self.in_flight or sha in self.recent:
            # Already extracted, or the same text is (or just was) in this batch.
            summary.skipped += 1
            self.progress()
            return
        self.in_flight.add(sha)
        await self.queue.put(nxt)

    async def work(self) -> None:
        while True:
            work = await self.queue.get()
            if work is None:
                return
            if self.stopping:
                self.in_flight.discard(work.item.sha256)
                continue
            await self.extract_one(work)

    def failed_write(self, exc: BaseException) -> None:
        """The database failed: stop; the error is raised once the batch has drained."""
        if self.error is None and isinstance(exc, Exception):
            self.error = exc
        self.stop()

    def finished(self, sha: str) -> None:
        """Forget an in-flight text, but remember it long enough to cover the read-ahead
        (inputs already checked against the database before this one was committed)."""
        self.in_flight.discard(sha)
        self.recent[sha] = None
        while len(self.recent) > 4 * READ_AHEAD + 4 * self.concurrency:
            self.recent.popitem(last=False)

    async def extract_one(self, work: _Work) -> None:
        item = work.item
        request = ExtractionRequest(
            title=item.title,
            text=item.text,
            target=self.target,
            published=item.published,
            source=item.source,
        )
        started = utcnow()
        t0 = time.perf_counter()
        task = asyncio.ensure_future(self.backend.extract(request))
        self.requests.add(task)
        try:
            await asyncio.wait({task})
        finally:
            self.requests.discard(task)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if task.cancelled():  # the batch is stopping: this article stays unfinished
            self.in_flight.discard(item.sha256)
            return
        exc = task.exception()
        if exc is None:
            call: tuple[Any, ...] = ("write_reply", work, task.result(), started, elapsed_ms)
        else:
            if isinstance(exc, ExtractionError):
                failure = _Failure.of(exc)
                if failure.fatal and self.summary.fatal is None:
                    # No later article can succeed: stop dispatching now, not after the write.
                    self.summary.fatal = failure.message
                    self.stop()
            else:  # a backend bug must not take the batch down: record it like any failure
                failure = _Failure(f"unexpected {type(exc).__name__}: {exc}")
            call = ("write_failure", work, started, elapsed_ms, failure)
        # Hand the write over and take the next article at once: replies arrive in bursts
        # and the single writer would otherwise hold up up to `concurrency` requests. The
        # slots bound how many finished replies may wait for the writer (memory).
        await self.write_slots.acquire()
        write = asyncio.ensure_future(self.write(work, call))
        self.writes.add(write)
        write.add_done_callback(self.writes.discard)

    async def write(self, work: _Work, call: tuple[Any, ...]) -> None:
        try:
            outcome: _Outcome = await self.db_side.call(*call)
        except Exception as exc:
            self.failed_write(exc)
        else:
            self.count(work, outcome)
        finally:
            self.write_slots.release()
            self.finished(work.item.sha256)

    def count(self, work: _Work, outcome: _Outcome) -> None:
        summary = self.summary
        summary.prompt_tokens += outcome.prompt_tokens
        summary.completion_tokens += outcome.completion_tokens
        if outcome.status == "ok":
            summary.extracted += 1
            summary.claims += outcome.claims
            summary.rejected += outcome.rejected
        else:
            summary.failed_articles += 1
            if self.observer.on_article_failed is not None:
                self.observer.on_article_failed(work.item.source, outcome.error or "failed")
            if outcome.fatal and summary.fatal is None:
                summary.fatal = outcome.error or "the backend cannot continue"
                self.stop()
        self.progress()

    def stop(self) -> None:
        """Dispatch nothing more and abandon requests in flight (committed work stays)."""
        if self.stopping:
            return
        self.stopping = True
        for task in list(self.requests):
            task.cancel()

    async def run(self) -> ExtractSummary:
        workers = [asyncio.ensure_future(self.work()) for _ in range(self.concurrency)]
        producer = asyncio.ensure_future(self.produce())
        try:
            await producer
            for _ in workers:
                await self.queue.put(None)
            await asyncio.wait(workers)
            await self._drain_writes()
        except asyncio.CancelledError:
            # Ctrl-C (asyncio.run cancels us) or the caller's cancellation: stop cleanly.
            self.summary.interrupted = True
            await self._shutdown(producer, workers)
        except BaseException:
            await self._shutdown(producer, workers)
            raise
        finally:
            self.db_side.close()
        if self.error is not None:
            raise self.error
        return self.summary

    async def _shutdown(
        self, producer: asyncio.Task[None], workers: list[asyncio.Task[None]]
    ) -> None:
        self.stop()
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({producer})
        while not self.queue.empty():  # unfinished work is simply not dispatched
            dropped = self.queue.get_nowait()
            if dropped is not None:
                self.in_flight.discard(dropped.item.sha256)
        for worker in workers:
            if not worker.done():
                self.queue.put_nowait(None)
        pending = [w for w in workers if not w.done()]
        if pending:
            await asyncio.wait(pending)
        await self._drain_writes()

    async def _drain_writes(self) -> None:
        """Let every handed-over write finish: each commits whole or not at all; none is
        cancelled, so what was answered is stored even when the batch stops."""
        while self.writes:
            await asyncio.wait(set(self.writes))


async def run_extraction(
    db: Database,
    paths: Iterable[str],
    settings: Settings,
    backend: Backend,
    *,
    force: bool = False,
    concurrency: int | None = None,
    observer: ExtractObserver | None = None,
    db_process: bool | None = None,
) -> ExtractSummary:
    """Extract claims for every article in `paths` with `backend`; see the module doc.

    `db_process`: do the database side in a separate process (default: yes, except for
    in-memory SQLite); False keeps it on a thread of this process.
    """
    limit = max(1, concurrency or settings.concurrency)
    items = tuple(paths)
    stdin = None
    if "-" in items:  # read here: a child process has no stdin
        stdin = sys.stdin.buffer.read(settings.max_file_bytes + 1)
    config = _StoreConfig(
        database_url=db.url,
        target=settings.target,
        max_file_bytes=settings.max_file_bytes,
        provenance=_Provenance.of(backend),
        force=force,
        batch_started=utcnow(),
        paths=items,
        stdin=stdin,
    )
    process = _process_by_default(db.url) if db_process is None else db_process
    db_side = _DbSide(config, db, process=process)
    batch = _Batch(db_side, backend, settings.target, limit, observer or ExtractObserver())
    return await batch.run()


# -- library entry point ---------------------------------------------------------------------


async def extract_async(
    paths: Iterable[str],
    settings: Settings,
    *,
    force: bool = False,
    observer: ExtractObserver | None = None,
    database: Database | None = None,
    backend: Backend | None = None,
) -> ExtractSummary:
    """`extract` for callers already in an event loop; opens (and closes) what it is not given."""
    from stancetrack.db.repository.extraction import DbModeStore

    db = database or Database(settings.database_url)
    own_backend = backend is None
    try:
        if backend is None:
            from stancetrack.llm.factory import backend_notice, make_backend

            notice = backend_notice(settings, settings.backend)
            if notice and observer is not None and observer.on_notice is not None:
                observer.on_notice(notice)
            backend = make_backend(settings, backend=settings.backend, mode_store=DbModeStore(db))
        try:
            return await run_extraction(
                db, paths, settings, backend, force=force, observer=observer
            )
        finally:
            if own_backend:
                await backend.aclose()
    finally:
        if database is None:
            db.dispose()


def extract(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    db: str | None = None,
    backend: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    concurrency: int | None = None,
    target: str | None = None,
    force: bool = False,
    settings: Settings | None = None,
    observer: ExtractObserver | None = None,
) -> ExtractSummary:
    """Extract grounded claims from files, directories, URLs or '-' into the database.

    Arguments left as None come from the environment and `.env` (see `Settings`), so
    `stancetrack.extract("articles/")` behaves like `stancetrack extract articles/`.
    Returns the batch's counts; `summary.fatal` is set when the backend could not go on
    (bad key, unknown model) and `summary.interrupted` when it was cancelled.
    """
    from stancetrack.settings import load_settings

    if settings is None:
        settings = load_settings(
            database_url=db,
            backend=backend,
            model=model,
            openai_base_url=base_url,
            concurrency=concurrency,
            target=target,
        )
    if isinstance(paths, str | os.PathLike):
        items = [os.fspath(paths)]
    else:
        items = [os.fspath(p) for p in paths]
    return asyncio.run(extract_async(items, settings, force=force, observer=observer))

"""The batch: ingest inputs, then extract, ground and store claims for each article.

Shape of `run_extraction` (all in one event loop, plus one database thread):

    inputs --(db thread: read, store article, skip check)--> bounded queue
           --> N workers: backend.extract (the only thing that waits on the network)
           --> db thread: ground, resolve actors, ONE transaction per article

- Streaming: inputs are read one at a time and the queue holds at most `concurrency` items,
  so memory does not grow with the corpus.
- One writer: every database call runs on a single thread, so SQLite never sees two
  writers and the event loop never blocks on I/O.
- Idempotent: an article is skipped, without a request, when a successful run exists with
  the same cache key (text sha256, prompt sha256, model, target); `force` re-extracts.
- Crash-safe: an article's run, claims and rejections commit together; after a crash the
  committed articles are skipped and only the unfinished ones are requested again.
- A failed article records a failed run and the batch goes on; a fatal backend error (bad
  key, unknown model) stops dispatching; so does cancellation (Ctrl-C). Work already
  committed stays, requests in flight are abandoned.

Library entry points live here so the CLI stays a thin shell over them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stancetrack import grounding
from stancetrack.db import Database
from stancetrack.db.models import Run, utcnow
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
from stancetrack.llm.base import Backend, BackendReply, ExtractionError, ExtractionRequest
from stancetrack.schemas import ReplyClaim
from stancetrack.settings import Settings

T = TypeVar("T")

INVALID_ITEM = "invalid item"
# Raw replies beyond this are cut on the run record (with a marker): audit, not archive.
MAX_RAW_CHARS = 1_000_000


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
    article_id: int
    item: ArticleInput
    cache_key: str


@dataclass(slots=True)
class _Skip:
    article_id: int


@dataclass(slots=True)
class _Outcome:
    status: str  # ok | failed
    claims: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    fatal: bool = False


_END = object()


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
    """Everything the batch does to the database; runs only on the database thread."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        backend: Backend,
        *,
        force: bool,
        batch_started: datetime,
    ) -> None:
        self.db = db
        self.settings = settings
        self.backend = backend
        self.force = force
        self.batch_started = batch_started
        self.target = settings.target
        self.params: dict[str, Any] = {
            "grounding": {
                "fuzzy_threshold": grounding.FUZZY_THRESHOLD,
                "fuzzy_min_chars": grounding.FUZZY_MIN_CHARS,
                "min_chars": grounding.MIN_QUOTE_CHARS,
                "min_words": grounding.MIN_QUOTE_WORDS,
            },
            **dict(getattr(backend, "params", None) or {}),
        }
        self._inputs: Iterator[ArticleInput | InputError] | None = None

    # producer side

    def open_inputs(self, paths: Iterable[str]) -> None:
        self._inputs = iter_inputs(paths, max_bytes=self.settings.max_file_bytes)

    def next_input(self) -> _Work | _Skip | InputError | object:
        """Read the next input, store its article, and decide: work, skip, or an error."""
        assert self._inputs is not None
        item = next(self._inputs, _END)
        if item is _END or isinstance(item, InputError):
            return item
        assert isinstance(item, ArticleInput)
        key = cache_key(item.sha256, self.backend.prompt.sha256, self.backend.model, self.target)
        with self.db.session() as session:
            article, _created = add_article(session, item)
            article_id = article.id
            # --force re-extracts what was stored before this batch, not twice within it.
            since = self.batch_started if self.force else None
            if find_successful_run(session, key, since=since) is not None:
                return _Skip(article_id)
        return _Work(article_id, item, key)

    # writer side

    def _run(
        self,
        work: _Work,
        started: datetime,
        params: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Run:
        backend = self.backend
        return Run(
            article_id=work.article_id,
            cache_key=work.cache_key,
            backend=backend.name,
            model=backend.model,
            endpoint_host=backend.endpoint_host,
            prompt_name=backend.prompt.name,
            prompt_version=backend.prompt.version,
            prompt_sha256=backend.prompt.sha256,
            target=self.target,
            temperature=backend.temperature,
            max_tokens=backend.max_tokens,
            params=params or self.params,
            started_at=started,
            finished_at=utcnow(),
            **fields,
        )

    def write_reply(
        self, work: _Work, reply: BackendReply, started: datetime, elapsed_ms: float
    ) -> _Outcome:
        found, rejected = ground_reply(work.item.text, reply)
        run = self._run(
            work,
            started,
            {**self.params, "reasks": reply.reasks, "truncated": reply.truncated},
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
            with self.db.session() as session:
                claims = self._claims(session, work.item.text, found)
                record_run(session, run, claims, rejected)
        except IntegrityError as exc:  # e.g. another process wrote this article meanwhile
            return self.write_failure(
                work,
                started,
                elapsed_ms,
                ExtractionError(
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

    def _claims(self, session: Session, text: str, found: list[_Grounded]) -> list[NewClaim]:
        claims: list[NewClaim] = []
        seen: set[tuple[int, int, int]] = set()
        for g in found:
            c = g.claim
            actor = resolve_actor(session, c.actor, c.speaker, c.actor_type.value)
            key = (actor.id, g.span.start, g.span.end)
            if key in seen:  # the same span from the same actor (e.g. overlapping chunks)
                continue
            seen.add(key)
            claims.append(
                NewClaim(
                    actor_id=actor.id,
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
        self, work: _Work, started: datetime, elapsed_ms: float, exc: ExtractionError
    ) -> _Outcome:
        run = self._run(
            work,
            started,
            status="failed",
            error=str(exc) or type(exc).__name__,
            output_mode=exc.output_mode,
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            latency_ms=elapsed_ms,
            attempts=exc.attempts,
            chunks=0,
            raw_reply=_clip(exc.last_raw),
        )
        with self.db.session() as session:
            record_run(session, run)
        return _Outcome(
            "failed",
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            error=run.error,
            fatal=exc.fatal,
        )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Batch:
    """One `run_extraction` call: producer, workers, the database thread, the counts."""

    def __init__(
        self,
        store: _Store,
        backend: Backend,
        concurrency: int,
        observer: ExtractObserver,
    ) -> None:
        self.store = store
        self.backend = backend
        self.concurrency = concurrency
        self.observer = observer
        self.summary = ExtractSummary()
        self.queue: asyncio.Queue[_Work | None] = asyncio.Queue(maxsize=concurrency)
        self.in_flight: set[int] = set()  # article ids queued or being extracted
        self.requests: set[asyncio.Task[BackendReply]] = set()
        self.stopping = False
        self.error: Exception | None = None
        self.db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancetrack-db")

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.db_thread, fn, *args)

    def progress(self) -> None:
        if self.observer.on_progress is not None:
            self.observer.on_progress(self.summary)

    async def produce(self) -> None:
        summary = self.summary
        while not self.stopping:
            nxt = await self.db(self.store.next_input)
            if nxt is _END:
                break
            if isinstance(nxt, InputError):
                summary.input_errors += 1
                if self.observer.on_input_error is not None:
                    self.observer.on_input_error(nxt)
                self.progress()
                continue
            summary.articles += 1
            if isinstance(nxt, _Skip) or (
                isinstance(nxt, _Work) and nxt.article_id in self.in_flight
            ):
                # Already extracted, or the same text is in this batch already.
                summary.skipped += 1
                self.progress()
                continue
            assert isinstance(nxt, _Work)
            self.in_flight.add(nxt.article_id)
            await self.queue.put(nxt)

    async def work(self) -> None:
        while True:
            work = await self.queue.get()
            if work is None:
                return
            try:
                if not self.stopping:
                    await self.extract_one(work)
            except Exception as exc:  # the database failed: stop, report after draining
                if self.error is None:
                    self.error = exc
                self.stop()
            finally:
                self.in_flight.discard(work.article_id)

    async def extract_one(self, work: _Work) -> None:
        item = work.item
        request = ExtractionRequest(
            title=item.title,
            text=item.text,
            target=self.store.target,
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
            return
        exc = task.exception()
        if exc is None:
            outcome = await self.db(
                self.store.write_reply, work, task.result(), started, elapsed_ms
            )
        else:
            if not isinstance(exc, ExtractionError):
                # A backend bug must not take the batch down: record it like any failure.
                exc = ExtractionError(f"unexpected {type(exc).__name__}: {exc}")
            outcome = await self.db(self.store.write_failure, work, started, elapsed_ms, exc)
        self.count(work, outcome)

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
        except asyncio.CancelledError:
            # Ctrl-C (asyncio.run cancels us) or the caller's cancellation: stop cleanly.
            self.summary.interrupted = True
            await self._shutdown(producer, workers)
        except BaseException:
            await self._shutdown(producer, workers)
            raise
        finally:
            self.db_thread.shutdown(wait=True)
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
                self.in_flight.discard(dropped.article_id)
        for worker in workers:
            if not worker.done():
                self.queue.put_nowait(None)
        # Workers finish the write they are in (it commits or not, atomically) and exit.
        pending = [w for w in workers if not w.done()]
        if pending:
            await asyncio.wait(pending)


async def run_extraction(
    db: Database,
    paths: Iterable[str],
    settings: Settings,
    backend: Backend,
    *,
    force: bool = False,
    concurrency: int | None = None,
    observer: ExtractObserver | None = None,
) -> ExtractSummary:
    """Extract claims for every article in `paths` with `backend`; see the module doc."""
    limit = max(1, concurrency or settings.concurrency)
    store = _Store(db, settings, backend, force=force, batch_started=utcnow())
    store.open_inputs(paths)
    batch = _Batch(store, backend, limit, observer or ExtractObserver())
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
